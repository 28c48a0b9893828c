/* shape.c - see shape.h. */
#include "shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses an optional JSON value given by the caller, of the given type. */
static int parse_input(const char *what, const char *js, size_t len, enum json_type want,
                       struct json_doc *d, struct json_tok **tok, char *errbuf)
{
	int err;

	memset(d, 0, sizeof *d);
	*tok = NULL;
	if (!js)
		return DBX_OK;
	err = json_parse_alloc(d, js, len, tok);
	if (err == DBX_ERR_NOMEM)
		return err;
	if (err) {
		errbuf_set(errbuf, "the %s are not valid JSON: %s at byte %zu", what,
		           d->err_what ? d->err_what : dbx_strerror(err), d->err_off);
		d->ntok = 0;
		return DBX_ERR_USAGE;
	}
	if (json_type(d, 0) != want) {
		errbuf_set(errbuf, "the %s must be a JSON %s", what,
		           want == JSON_ARRAY ? "array" : "object");
		d->ntok = 0;
		return DBX_ERR_USAGE;
	}
	return DBX_OK;
}

/* Opens the attachments; a text one's content gets its name as first line. */
static int shape_attach(const struct dbx_chat_request *rq, struct shape *s, char *errbuf)
{
	size_t k, images = 0, n;
	unsigned char *t;
	int err;

	if (!rq->num_attachments)
		return DBX_OK;
	if (!rq->attachments) {
		errbuf_set(errbuf, "num_attachments is set without attachments");
		return DBX_ERR_USAGE;
	}
	s->atts = calloc(rq->num_attachments, sizeof *s->atts);
	if (!s->atts) {
		errbuf_set(errbuf, "out of memory for the attachments");
		return DBX_ERR_NOMEM;
	}
	for (k = 0; k < rq->num_attachments; k++) {
		struct attach *a = &s->atts[k];

		err = attach_open(&rq->attachments[k], a, errbuf);
		if (err)
			return err;
		s->natts++;
		if (a->mime && ++images > DBX_ATTACH_IMAGES_MAX) {
			errbuf_set(errbuf,
			           "more than %d images in one prompt (the limit); send fewer",
			           DBX_ATTACH_IMAGES_MAX);
			return DBX_ERR_USAGE;
		}
		if (a->mime)
			continue;
		n = strlen(a->name);
		t = malloc(n + 1 + a->size);
		if (!t) {
			errbuf_set(errbuf, "out of memory for the attachments");
			return DBX_ERR_NOMEM;
		}
		memcpy(t, a->name, n);
		t[n] = '\n';
		memcpy(t + n + 1, a->data, a->size);
		free(a->held);
		a->held = t;
		a->data = t;
		a->size += n + 1;
		s->text_bytes += a->size;
	}
	return DBX_OK;
}

int shape_parse(const struct dbx_chat_request *rq, struct shape *s, char *errbuf)
{
	const char *e = rq->reasoning_effort;
	int err, m;

	err = parse_input("earlier messages (--messages)", rq->messages_json, rq->messages_len,
	                  JSON_ARRAY, &s->msgs, &s->msgs_tok, errbuf);
	if (!err)
		err = parse_input("tools (--tools)", rq->tools_json, rq->tools_len, JSON_ARRAY,
		                  &s->tools, &s->tools_tok, errbuf);
	if (!err)
		err = parse_input("schema contents (--schema)", rq->schema_json, rq->schema_len,
		                  JSON_OBJECT, &s->schema, &s->schema_tok, errbuf);
	if (!err)
		err = parse_input("extra body fields (--param)", rq->extra_json, rq->extra_len,
		                  JSON_OBJECT, &s->extra, &s->extra_tok, errbuf);
	if (!err)
		err = parse_input("custom inputs (--custom-inputs)", rq->custom_inputs_json,
		                  rq->custom_inputs_len, JSON_OBJECT, &s->custom, &s->custom_tok,
		                  errbuf);
	if (err)
		return err;
	for (m = json_child(&s->msgs, 0); s->msgs.ntok && m >= 0; m = json_next(&s->msgs, m)) {
		if (json_type(&s->msgs, m) != JSON_OBJECT ||
		    json_type(&s->msgs, json_get(&s->msgs, m, "role")) != JSON_STRING) {
			errbuf_set(
			    errbuf,
			    "each earlier message (--messages) must be an object with a \"role\"");
			return DBX_ERR_USAGE;
		}
	}
	if (rq->thinking_budget && rq->thinking_budget < 1024) {
		errbuf_set(errbuf,
		           "a thinking budget must be at least 1024 tokens (Claude's minimum)");
		return DBX_ERR_USAGE;
	}
	if (rq->thinking_budget && rq->has_temperature && rq->temperature != 1.0) {
		errbuf_set(errbuf,
		           "Claude accepts no temperature other than 1 while thinking: drop "
		           "--temperature or --thinking");
		return DBX_ERR_USAGE;
	}
	if (e && strcmp(e, "low") != 0 && strcmp(e, "medium") != 0 && strcmp(e, "high") != 0) {
		errbuf_set(errbuf, "reasoning effort '%.20s' is not low, medium or high", e);
		return DBX_ERR_USAGE;
	}
	if (rq->schema_json && rq->json_object) {
		errbuf_set(errbuf, "--schema and --json-object exclude each other");
		return DBX_ERR_USAGE;
	}
	return shape_attach(rq, s, errbuf);
}

void shape_free(struct shape *s)
{
	size_t k;

	for (k = 0; k < s->natts; k++)
		attach_close(&s->atts[k]);
	free(s->atts);
	free(s->msgs_tok);
	free(s->tools_tok);
	free(s->schema_tok);
	free(s->extra_tok);
	free(s->custom_tok);
	memset(s, 0, sizeof *s);
}

int shape_ours(const struct shape *s, const char *key)
{
	char line[128];

	if (!s->extra.ntok || json_get(&s->extra, 0, key) < 0)
		return 1;
	if (s->trace) {
		snprintf(line, sizeof line, "* --param %s overrides the value dbxai sets", key);
		s->trace(s->trace_ctx, line);
	}
	return 0;
}

static void shape_extra(struct json_w *w, const struct shape *s)
{
	int k;
	if (!s->extra.ntok)
		return;
	for (k = json_child(&s->extra, 0); k >= 0; k = json_next(&s->extra, k)) {
		char key[256];
		size_t n = 0;
		if (json_str(&s->extra, k, key, sizeof key, &n) != DBX_OK)
			continue;
		json_w_keyn(w, key, n);
		json_w_raw(w, &s->extra, k + 1);
	}
}

int shape_finish(struct json_w *w, const struct shape *s, char *buf, char **body, size_t *len,
                 char *errbuf)
{
	int err;

	shape_extra(w, s);
	json_w_obj_end(w);
	err = json_w_finish(w, len);
	if (err) {
		errbuf_set(errbuf, "cannot build the request body: %s", dbx_strerror(err));
		free(buf);
		return err;
	}
	*body = buf;
	return DBX_OK;
}

/* The "name" a json_schema response format needs: the schema's title made
 * safe ([A-Za-z0-9_-], at most 64), else "response". */
static void shape_schema_name(const struct shape *s, char *out, size_t cap)
{
	char title[65] = "";
	size_t i, n = 0;

	if (s->schema.ntok)
		(void)json_str(&s->schema, json_get(&s->schema, 0, "title"), title, sizeof title,
		               NULL);
	for (i = 0; title[i] && n + 1 < cap && n < 64; i++) {
		char ch = title[i];
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		         (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
		out[n++] = ok ? ch : '_';
	}
	if (n == 0)
		n = (size_t)snprintf(out, cap, "response");
	out[n < cap ? n : cap - 1] = '\0';
}

void shape_schema_fields(struct json_w *w, const struct shape *s)
{
	char name[72];

	shape_schema_name(s, name, sizeof name);
	json_w_key(w, "name");
	json_w_str(w, name);
	json_w_key(w, "schema");
	json_w_raw(w, &s->schema, 0);
	json_w_key(w, "strict");
	json_w_bool(w, 1);
}

int shape_role_is(const struct json_doc *msgs, int m, const char *role)
{
	return json_streq(msgs, json_get(msgs, m, "role"), role);
}

int shape_system_token(const struct json_doc *msgs)
{
	int m;
	if (msgs->ntok == 0)
		return -1;
	for (m = json_child(msgs, 0); m >= 0; m = json_next(msgs, m))
		if (shape_role_is(msgs, m, "system"))
			return json_get(msgs, m, "content");
	return -1;
}

void shape_user(struct json_w *w, const struct dbx_chat_request *rq, struct shape *s, int responses)
{
	char url[40];
	size_t k;

	s->nholes = 0;
	if (!s->natts) {
		json_w_str(w, rq->prompt ? rq->prompt : "");
		return;
	}
	json_w_arr(w);
	for (k = 0; k < s->natts; k++) {
		const struct attach *a = &s->atts[k];

		json_w_obj(w);
		json_w_key(w, "type");
		if (a->mime) {
			snprintf(url, sizeof url, "data:%s;base64,", a->mime);
			json_w_str(w, responses ? "input_image" : "image_url");
			json_w_key(w, "image_url");
			if (!responses) {
				json_w_obj(w);
				json_w_key(w, "url");
			}
			json_w_str(w, url);
			s->holes[s->nholes].off = json_w_len(w) - 1;
			s->holes[s->nholes++].a = a;
			if (!responses)
				json_w_obj_end(w);
		} else {
			json_w_str(w, responses ? "input_text" : "text");
			json_w_key(w, "text");
			json_w_strn(w, (const char *)a->data, a->size);
		}
		json_w_obj_end(w);
	}
	if (rq->prompt) {
		json_w_obj(w);
		json_w_key(w, "type");
		json_w_str(w, responses ? "input_text" : "text");
		json_w_key(w, "text");
		json_w_str(w, rq->prompt);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
}

size_t shape_user_cap(const struct shape *s)
{
	return 6 * s->text_bytes + 128 * s->natts + 64;
}

size_t shape_body_size(const struct shape *s, size_t len)
{
	size_t k;

	for (k = 0; k < s->nholes; k++)
		len += attach_b64_len(s->holes[k].a->size);
	return len;
}

int shape_body_read(const struct shape *s, const char *body, size_t len, size_t off, char *out,
                    size_t cap, size_t *got, char *errbuf)
{
	size_t k, at = 0, pos = 0, n = 0, step, b64;
	int err;

	/* the body is text up to each hole, the hole's base64, ..., the rest */
	for (k = 0; k <= s->nholes && n < cap; k++) {
		size_t end = k < s->nholes ? s->holes[k].off : len;

		if (off + n < pos + (end - at)) {
			step = pos + (end - at) - (off + n);
			if (step > cap - n)
				step = cap - n;
			memcpy(out + n, body + at + (off + n - pos), step);
			n += step;
		}
		pos += end - at;
		at = end;
		if (k == s->nholes || n == cap)
			break;
		b64 = attach_b64_len(s->holes[k].a->size);
		if (off + n < pos + b64) {
			err = attach_b64(s->holes[k].a, off + n - pos, out + n, cap - n, &step,
			                 errbuf);
			if (err)
				return err;
			n += step;
		}
		pos += b64;
	}
	*got = n;
	return DBX_OK;
}

int shape_body_whole(const struct shape *s, const char *body, size_t len, char **out,
                     size_t *out_len, char *errbuf)
{
	size_t size = shape_body_size(s, len), got = 0;
	char *buf = malloc(size + 1);
	int err;

	if (!buf) {
		errbuf_set(errbuf, "out of memory for a body of %zu bytes", size);
		return DBX_ERR_NOMEM;
	}
	err = shape_body_read(s, body, len, 0, buf, size, &got, errbuf);
	if (!err && got != size) {
		errbuf_set(errbuf, "an attachment changed while it was read");
		err = DBX_ERR_IO;
	}
	if (err) {
		free(buf);
		return err;
	}
	buf[size] = 0;
	*out = buf;
	*out_len = size;
	return DBX_OK;
}
