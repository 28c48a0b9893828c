"""Attachments (issue 15): -a/--attach FILE, the type told by the content;
exact request bodies for images and text on chat and Responses; refusals
naming what was found; the limits, refused before anything is sent; stdin;
--save keeps them; /attach in chat -i."""
import base64
import json
import os
import tempfile

from e2e_faults import run_with_rss
from lib import NO_RETRIES, MockCase, run, sse, sse_reply, needs

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3
JPEG = b"\xff\xd8\xff\xe0" + b"JFIF\0" + bytes(range(200))
GIF = b"GIF89a" + b"\x01\x00\x01\x00" + bytes(50)
WEBP = b"RIFF\x24\0\0\0WEBPVP8 " + bytes(40)


def data_url(mime, content):
    return "data:%s;base64,%s" % (mime, base64.b64encode(content).decode())


def chat_reply(text="ok"):
    return sse_reply([
        sse({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}),
        sse({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
        "data: [DONE]\n\n"])


def resp_reply(text="ok"):
    return sse_reply([
        "event: response.output_text.delta\n" + sse({"type": "response.output_text.delta", "delta": text}),
        "event: response.completed\n" + sse({"type": "response.completed", "response": {"status": "completed"}})])


class Attach(MockCase):
    ENV = NO_RETRIES
    SHARED = True
    MOCK = {"lifetime": 600}  # one mock for the class: slow runs (valgrind) need long

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="dbxai-attach-")

    def file(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(content)
        return path

    def chat(self, *args, stdin=b"", reply=None, api="chat"):
        self.mock.script(reply or (resp_reply() if api == "responses" else chat_reply()))
        return run(["chat", "--api", api] + list(args), env=self.env(), stdin=stdin, timeout=60)

    def user_content(self):
        body = self.reqs()[-1]["body"]
        if "input" in body:
            return body["input"][-1]["content"]
        return body["messages"][-1]["content"]

    def test_images_on_chat(self):
        for content, mime, name in ((PNG, "image/png", "a.png"), (JPEG, "image/jpeg", "b.jpg"),
                                    (GIF, "image/gif", "c.gif"), (WEBP, "image/webp", "d.webp"),
                                    (PNG, "image/png", "frame.txt")):
            res = self.chat("-a", self.file(name, content), "Is", "the", "door", "open?")
            self.assertExit(res, 0)
            self.assertEqual(res.out, "ok\n")
            self.assertEqual(self.user_content(), [
                {"type": "image_url", "image_url": {"url": data_url(mime, content)}},
                {"type": "text", "text": "Is the door open?"}], name)

    @needs("responses")

    def test_images_on_responses(self):
        res = self.chat("--attach", self.file("a.png", PNG), "-a", self.file("b.jpg", JPEG),
                        "what?", api="responses")
        self.assertExit(res, 0)
        self.assertEqual(self.user_content(), [
            {"type": "input_image", "image_url": data_url("image/png", PNG)},
            {"type": "input_image", "image_url": data_url("image/jpeg", JPEG)},
            {"type": "input_text", "text": "what?"}])

    @needs("responses")

    def test_text_files(self):
        log = "line one\nnaïve \"quoted\" \\ tab\there\n".encode()
        path = self.file("photo.jpg", log)  # a text named .jpg is text
        for api, kind in (("chat", "text"), ("responses", "input_text")):
            res = self.chat("-a", path, "-a", self.file("x.png", PNG), "summarise", api=api)
            self.assertExit(res, 0)
            content = self.user_content()
            self.assertEqual(content[0], {"type": kind, "text": "photo.jpg\n" + log.decode()})
            self.assertEqual(content[2], {"type": kind, "text": "summarise"})
            self.assertEqual(len(content), 3)

    def test_stdin(self):
        res = self.chat("-a", "-", "describe", stdin=PNG)
        self.assertExit(res, 0)
        self.assertEqual(self.user_content(), [
            {"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}},
            {"type": "text", "text": "describe"}])
        res = self.chat("-a", "-", stdin=b"just a log\n")
        self.assertExit(res, 0)
        self.assertEqual(self.user_content(), [{"type": "text", "text": "stdin\njust a log\n"}])

    def test_refused(self):
        cases = [
            (self.file("empty.png", b""), "empty"),
            (self.dir, "directory"),
            ("/dev/zero", "NUL"),
            (self.file("bad.txt", b"caf\xe9 au lait"), "not UTF-8"),
            (self.file("doc.txt", b"%PDF-1.7\n\xe2\xe3\xcf\xd3"), "not UTF-8 at byte 9; it starts 25 50 44 46"),
            (self.file("short.png", b"\x89PN"), "binary data"),
            (os.path.join(self.dir, "missing.png"), "missing.png"),
        ]
        for path, word in cases:
            res = run(["chat", "-a", path, "hi"], env=self.env(), timeout=30)
            self.assertExit(res, 2)
            self.assertOneLineError(res, word)
        self.assertEqual(self.reqs(), [], "a refused file costs no request")

    def test_limits(self):
        big = self.file("big.png", PNG[:8] + bytes(5 * 1024 * 1024))
        res = run(["chat", "-a", big, "hi"], env=self.env())
        self.assertExit(res, 2)
        self.assertOneLineError(res, "5 MiB")
        small = self.file("s.png", PNG)
        res = run(["chat"] + ["-a", small] * 21 + ["hi"], env=self.env())
        self.assertExit(res, 2)
        self.assertOneLineError(res, "20 images")
        four = self.file("four.png", PNG[:8] + os.urandom(4 * 1024 * 1024))
        res = run(["chat"] + ["-a", four] * 3 + ["hi"], env=self.env())
        self.assertExit(res, 2)
        self.assertOneLineError(res, "16 MiB")
        self.assertEqual(self.reqs(), [], "limits are checked before sending")
        # right at the limits: 20 images, and one of 4 MiB sent whole
        res = self.chat(*(["-a", small] * 20 + ["hi"]))
        self.assertExit(res, 0)
        self.assertEqual(len(self.user_content()), 21)
        with open(four, "rb") as f:
            want = f.read()
        res = self.chat("-a", four, "hi")
        self.assertExit(res, 0)
        self.assertEqual(self.user_content()[0]["image_url"]["url"], data_url("image/png", want))

    def test_memory_of_a_4_mib_image(self):
        # file -> base64 -> socket in pieces: about 1 MiB at most beyond a chat
        four = self.file("four.png", PNG[:8] + os.urandom(4 * 1024 * 1024 - 8))
        self.mock.script(chat_reply(), chat_reply())
        plain, base = run_with_rss(["chat", "--api", "chat", "hi"], self.env())
        res, rss = run_with_rss(["chat", "--api", "chat", "-a", four, "hi"], self.env())
        self.assertExit(plain, 0)
        self.assertExit(res, 0)
        self.assertEqual(len(self.reqs()[-1]["body"]["messages"][-1]["content"][0]["image_url"]["url"]),
                         len("data:image/png;base64,") + 4 * (4 * 1024 * 1024 + 2) // 3 // 4 * 4)
        if rss:
            print("\n  peak RSS %d KiB, %d KiB beyond a chat without the image" % (rss, rss - base))
            self.assertLess(rss - base, 1024 + 256, "a 4 MiB image cost %d KiB" % (rss - base))

    @needs("responses")

    def test_save_keeps_attachments(self):
        save = os.path.join(self.dir, "conv.json")
        res = self.chat("-a", self.file("a.png", PNG), "--save", save, "look")
        self.assertExit(res, 0)
        with open(save) as f:
            conv = json.load(f)
        self.assertEqual(conv[-2], {"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}},
            {"type": "text", "text": "look"}]})
        for api in ("chat", "responses"):
            res = self.chat("--messages", save, "and now?", api=api)
            self.assertExit(res, 0)
            body = self.reqs()[-1]["body"]
            sent = json.dumps(body)
            self.assertIn(data_url("image/png", PNG), sent, api)

    @needs("repl")

    def test_repl_attach(self):
        path = self.file("a.png", PNG)
        self.mock.script(chat_reply("one"), chat_reply("two"))
        res = run(["chat", "-i", "--api", "chat"], env=self.env(),
                  stdin=("/attach %s\nfirst\nsecond\n" % path).encode(), timeout=30)
        self.assertExit(res, 0)
        reqs = self.reqs()
        self.assertEqual(len(reqs), 2)
        self.assertEqual(reqs[0]["body"]["messages"][-1]["content"], [
            {"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}},
            {"type": "text", "text": "first"}])
        # the next prompt has none of its own; the first stays in the history
        self.assertEqual(reqs[1]["body"]["messages"][-1]["content"], "second")
        self.assertIn(data_url("image/png", PNG), json.dumps(reqs[1]["body"]))

    def test_help(self):
        res = run(["help", "chat"])
        for word in ("--attach", "5 MiB", "20", "16 MiB"):
            self.assertIn(word, res.out + res.err)
