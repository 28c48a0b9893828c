/*
 * fuzz_chat.c - libFuzzer target for the chat completions stream decoder
 * (chat_event through SSE, and chat_whole). See fuzz_stream.h for what is
 * checked; seeds in tests/data/chat are captured Databricks chat streams.
 */
#include "chat.h"

#define STREAM_EVENT chat_event
#define STREAM_WHOLE chat_whole
#define STREAM_RESPONSES 0
#include "fuzz_stream.h"
