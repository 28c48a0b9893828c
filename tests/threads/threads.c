/*
 * threads.c - the library's promise "one client per thread" under load, for
 * `make test-threads` (tests/threads/run.py starts the servers and runs it).
 *
 *   threads URL_A URL_B CA_FILE THREADS CHATS RENEW [share]
 *
 * THREADS threads start together (a barrier) and each calls dbx_global_init()
 * itself, so the call-once path is raced. Thread t talks to URL_A when t is
 * even and URL_B when it is odd (the runner gives a TLS 1.3 and a TLS 1.2
 * server: PSA's key store and the shared CTR-DRBG are both exercised), runs
 * CHATS streamed chats and makes a new client every RENEW chats, so handshakes
 * overlap all along the run, not only at its start. Every reply must be
 * exactly the mock's "Hello! You said: <prompt>", in more than one text event,
 * followed by DONE with "stop".
 *
 * "share" breaks the rule on purpose: threads 2k and 2k+1 share one client, to
 * show that ThreadSanitizer catches it. The token comes from DATABRICKS_TOKEN.
 * Prints one line per thread and "threads: N of M chats passed"; exits 0 when
 * every chat passed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"

#define MAX_THREADS 64
#define REPLY_MAX 256

struct run {
	const char *url[2];
	const char *ca_file;
	const char *token;
	long chats, renew;
	int share;
	pthread_barrier_t start;
	struct dbx_client *shared[MAX_THREADS / 2];
};

struct worker {
	struct run *run;
	pthread_t tid;
	int id;
	long passed;
	char why[DBX_ERRBUF_SIZE + 64]; /* the first failure */
};

struct reply {
	char text[REPLY_MAX];
	size_t len;
	int pieces, done, overflow;
	char finish[32];
};

static int on_event(void *ctx, const struct dbx_event *ev)
{
	struct reply *r = ctx;

	if (ev->type == DBX_EV_TEXT) {
		if (ev->text_len > sizeof r->text - r->len) {
			r->overflow = 1;
			return 0;
		}
		memcpy(r->text + r->len, ev->text, ev->text_len);
		r->len += ev->text_len;
		r->pieces++;
	} else if (ev->type == DBX_EV_DONE) {
		r->done++;
		snprintf(r->finish, sizeof r->finish, "%s",
		         ev->finish_reason ? ev->finish_reason : "");
	}
	return 0;
}

static int new_client(struct worker *w, struct dbx_client **c, char *errbuf)
{
	struct dbx_options o = {0};

	o.host = w->run->url[w->id % 2];
	o.ca_file = w->run->ca_file;
	o.token = w->run->token;
	return dbx_client_new(c, &o, errbuf);
}

/* One chat on c; 0 when the reply is the expected one, else why in w->why. */
static int one_chat(struct worker *w, struct dbx_client *c, long n)
{
	struct dbx_chat_request rq = {0};
	struct reply r = {0};
	char prompt[64], want[96], errbuf[DBX_ERRBUF_SIZE] = "";
	int err;

	snprintf(prompt, sizeof prompt, "thread %d chat %ld", w->id, n);
	snprintf(want, sizeof want, "Hello! You said: %s", prompt);
	rq.api = DBX_API_CHAT;
	rq.prompt = prompt;
	err = dbx_chat(c, &rq, on_event, &r, errbuf);
	if (err) {
		snprintf(w->why, sizeof w->why, "chat %ld: %s: %s", n, dbx_strerror(err), errbuf);
		return -1;
	}
	if (r.overflow || r.len != strlen(want) || memcmp(r.text, want, r.len) != 0) {
		snprintf(w->why, sizeof w->why, "chat %ld: reply \"%.*s\", want \"%s\"", n,
		         (int)r.len, r.text, want);
		return -1;
	}
	if (r.pieces < 2 || r.done != 1 || strcmp(r.finish, "stop") != 0) {
		snprintf(w->why, sizeof w->why,
		         "chat %ld: %d text events, %d done, finish \"%s\" (want >= 2, 1, stop)", n,
		         r.pieces, r.done, r.finish);
		return -1;
	}
	return 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	struct dbx_client *c = NULL;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	long n;
	int err;

	pthread_barrier_wait(&run->start);
	err = dbx_global_init(errbuf);
	if (err) {
		snprintf(w->why, sizeof w->why, "dbx_global_init: %s", errbuf);
		return NULL;
	}
	for (n = 0; n < run->chats; n++) {
		if (run->share) {
			c = run->shared[w->id / 2];
		} else if (!c || n % run->renew == 0) {
			dbx_client_free(c);
			c = NULL;
			err = new_client(w, &c, errbuf);
			if (err) {
				snprintf(w->why, sizeof w->why, "dbx_client_new: %s", errbuf);
				return NULL;
			}
		}
		if (one_chat(w, c, n) != 0)
			break;
		w->passed++;
	}
	if (!run->share)
		dbx_client_free(c);
	return NULL;
}

static long arg_long(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < min || v > max) {
		fprintf(stderr, "threads: bad number '%s' (%ld..%ld)\n", s, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct run run;
	static struct worker w[MAX_THREADS];
	char errbuf[DBX_ERRBUF_SIZE] = "";
	long threads, passed = 0;
	int i, bad = 0;

	if (argc != 7 && !(argc == 8 && strcmp(argv[7], "share") == 0)) {
		fprintf(stderr, "usage: threads URL_A URL_B CA_FILE THREADS CHATS RENEW [share]\n");
		return 2;
	}
	run.url[0] = argv[1];
	run.url[1] = argv[2];
	run.ca_file = argv[3];
	threads = arg_long(argv[4], 1, MAX_THREADS);
	run.chats = arg_long(argv[5], 1, 1000000);
	run.renew = arg_long(argv[6], 1, 1000000);
	run.share = argc == 8;
	run.token = getenv("DATABRICKS_TOKEN");
	if (run.share) {
		/* made here, in one thread; the rule is broken when they are used */
		for (i = 0; i < (threads + 1) / 2; i++) {
			w[2 * i].id = 2 * i;
			w[2 * i].run = &run;
			if (new_client(&w[2 * i], &run.shared[i], errbuf) != DBX_OK) {
				fprintf(stderr, "threads: dbx_client_new: %s\n", errbuf);
				return 1;
			}
		}
	}
	if (pthread_barrier_init(&run.start, NULL, (unsigned)threads) != 0) {
		fprintf(stderr, "threads: pthread_barrier_init failed\n");
		return 1;
	}
	for (i = 0; i < threads; i++) {
		w[i].run = &run;
		w[i].id = i;
		if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0) {
			fprintf(stderr, "threads: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		printf("thread %d: %ld of %ld chats passed%s%s\n", i, w[i].passed, run.chats,
		       w[i].why[0] ? ": " : "", w[i].why);
		passed += w[i].passed;
		bad |= w[i].passed != run.chats;
	}
	if (run.share)
		for (i = 0; i < (threads + 1) / 2; i++)
			dbx_client_free(run.shared[i]);
	pthread_barrier_destroy(&run.start);
	printf("threads: %ld of %ld chats passed\n", passed, threads * run.chats);
	return bad ? 1 : 0;
}
