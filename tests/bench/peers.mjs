// The peers dbxai is measured against, as a user would write them.
//   node peers.mjs openai|aisdk chat|embed|cold
// chat: stream one reply for the prompt BENCH_PROMPT and print each text delta to
//   stdout as it arrives. embed: embeddings for the lines of BENCH_EMBED_FILE in
//   batches of BENCH_BATCH, one request after another (one keep-alive connection),
//   one JSON array per input on stdout, as `dbxai embed` prints them. cold: load the
//   SDK and make a client, no network.
// Endpoint: BENCH_URL (https://127.0.0.1:PORT), token BENCH_TOKEN; the test CA comes
// through NODE_EXTRA_CA_CERTS.
import { readFileSync } from 'node:fs';

const [sdk, mode] = process.argv.slice(2);
const url = process.env.BENCH_URL;
const token = process.env.BENCH_TOKEN;
const model = process.env.BENCH_MODEL || 'databricks-claude-sonnet-4';
const prompt = process.env.BENCH_PROMPT || 'bench n=20';
const baseURL = `${url}/serving-endpoints`;

function fail(msg) {
  process.stderr.write(`peers: ${sdk} ${mode}: ${msg}\n`);
  process.exit(1);
}

async function openai() {
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({ apiKey: token, baseURL, maxRetries: 0, timeout: 300000 });
  if (mode === 'cold') return;
  if (mode === 'chat') {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let finish = null;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.delta?.content) process.stdout.write(c.delta.content);
      if (c?.finish_reason) finish = c.finish_reason;
    }
    if (finish !== 'stop') fail(`finish_reason ${finish}`);
    return;
  }
  if (mode === 'embed') {
    const inputs = readFileSync(process.env.BENCH_EMBED_FILE, 'utf8').split('\n').filter((l) => l);
    const batch = Number(process.env.BENCH_BATCH || 64);
    let n = 0;
    for (let i = 0; i < inputs.length; i += batch) {
      const r = await client.embeddings.create({
        model: process.env.BENCH_EMBED_MODEL || 'text-embedding-3-small',
        input: inputs.slice(i, i + batch),
        encoding_format: 'float',
      });
      const out = new Array(r.data.length);
      for (const d of r.data) out[d.index] = JSON.stringify(d.embedding);
      process.stdout.write(out.join('\n') + '\n');
      n += r.data.length;
    }
    if (n !== inputs.length) fail(`${n} embeddings for ${inputs.length} inputs`);
    return;
  }
  fail('unknown mode');
}

async function aisdk() {
  const { createDatabricksProvider } = await import('@databricks/ai-sdk-provider');
  const { streamText } = await import('ai');
  const provider = createDatabricksProvider({ baseURL, headers: { Authorization: `Bearer ${token}` } });
  const lm = provider.chatCompletions(model);
  if (mode === 'cold') return;
  if (mode === 'chat') {
    let error = null;
    const result = streamText({
      model: lm,
      prompt,
      maxRetries: 0,
      onError: ({ error: e }) => { error = e; },
    });
    for await (const t of result.textStream) process.stdout.write(t);
    if (error) fail(String(error?.message || error));
    const finish = await result.finishReason;
    if (finish !== 'stop') fail(`finish reason ${finish}`);
    return;
  }
  fail(`${mode} is not supported by @databricks/ai-sdk-provider`);
}

if (sdk === 'openai') await openai();
else if (sdk === 'aisdk') await aisdk();
else fail('usage: node peers.mjs openai|aisdk chat|embed|cold');
