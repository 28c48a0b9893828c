/*
 * fuzz_resp.c - libFuzzer target for the Responses API stream decoder
 * (resp_event through SSE, and resp_whole). See fuzz_stream.h for what is
 * checked; seeds in tests/data/resp are Responses API event streams.
 */
#include "resp.h"

#define STREAM_EVENT resp_event
#define STREAM_WHOLE resp_whole
#define STREAM_RESPONSES 1
#include "fuzz_stream.h"
