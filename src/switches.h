/*
 * switches.h - the build-time feature switches (make FEATURES="-NAME ..." or
 * MINIMAL=1; see the Makefile). Each DBX_FEATURE_X is 1 unless make passes
 * -DDBX_FEATURE_X=0, and a switched-off feature's files are left out of the
 * build altogether; the few places that dispatch to one test the macro. A
 * switched-off command, flag or method fails with exit 2 and a message holding
 * "not built in (NAME)".
 *
 *   oauth       OAuth: U2M login (browser, device code), M2M, federation, Azure
 *   responses   the Responses API (chat --api responses, "codex" models)
 *   embeddings  `dbxai embed`, dbx_embed()
 *   repl        `dbxai chat -i`, the interactive session
 *   mcp         the MCP client (src/mcp*.c, src/cli/cli_mcp.c)
 *   proxy       HTTPS_PROXY: a CONNECT tunnel through an HTTP proxy
 */
#ifndef SWITCHES_H
#define SWITCHES_H

#ifndef DBX_FEATURE_OAUTH
#define DBX_FEATURE_OAUTH 1
#endif
#ifndef DBX_FEATURE_RESPONSES
#define DBX_FEATURE_RESPONSES 1
#endif
#ifndef DBX_FEATURE_EMBEDDINGS
#define DBX_FEATURE_EMBEDDINGS 1
#endif
#ifndef DBX_FEATURE_REPL
#define DBX_FEATURE_REPL 1
#endif
#ifndef DBX_FEATURE_MCP
#define DBX_FEATURE_MCP 1
#endif
#ifndef DBX_FEATURE_PROXY
#define DBX_FEATURE_PROXY 1
#endif

/* make MINIMAL=1: every feature out and the size profile, which trades some
 * speed for bytes where that is the choice (third_party/dbxai_mbedtls_config.h
 * reads it too). */
#ifndef DBX_MINIMAL
#define DBX_MINIMAL 0
#endif

/* The names of the features built in, each after a space (for the
 * `dbxai --version` line "Features: ..."). */
#if DBX_FEATURE_OAUTH
#define DBX_F_OAUTH_ " oauth"
#else
#define DBX_F_OAUTH_ ""
#endif
#if DBX_FEATURE_RESPONSES
#define DBX_F_RESPONSES_ " responses"
#else
#define DBX_F_RESPONSES_ ""
#endif
#if DBX_FEATURE_EMBEDDINGS
#define DBX_F_EMBEDDINGS_ " embeddings"
#else
#define DBX_F_EMBEDDINGS_ ""
#endif
#if DBX_FEATURE_REPL
#define DBX_F_REPL_ " repl"
#else
#define DBX_F_REPL_ ""
#endif
#if DBX_FEATURE_MCP
#define DBX_F_MCP_ " mcp"
#else
#define DBX_F_MCP_ ""
#endif
#if DBX_FEATURE_PROXY
#define DBX_F_PROXY_ " proxy"
#else
#define DBX_F_PROXY_ ""
#endif
#define DBX_FEATURES                                                                               \
	DBX_F_OAUTH_ DBX_F_RESPONSES_ DBX_F_EMBEDDINGS_ DBX_F_REPL_ DBX_F_MCP_ DBX_F_PROXY_

/* The tail of every "not built in" message: the feature and the fix. */
#define DBX_NOT_BUILT_IN(name)                                                                     \
	"not built in (" name "): rebuild without FEATURES=-" name " / MINIMAL=1"

#endif
