# dbxai - one static executable for Databricks-hosted models.
# `make help` lists the targets. The user owns CC, CFLAGS, LDFLAGS; project flags
# are added separately (DBX_*). A target is a fragment in toolchains/.

TARGET ?= x86_64-linux-musl
TARGETS := x86_64-linux-musl aarch64-linux-musl armv7-linux-musleabihf \
	mipsel-linux-musl mips-linux-musl riscv64-linux-musl armv5te-linux-musleabi

ifeq ($(wildcard toolchains/$(TARGET).mk),)
$(error unknown TARGET '$(TARGET)'; one of: $(TARGETS) native fuzz memcheck tsan)
endif
# make MINIMAL=1 (below) is also a size profile, which a toolchain may extend
# (its own settings when MINIMAL_ON is not empty).
MINIMAL ?=
MINIMAL_ON := $(filter-out 0,$(MINIMAL))
include toolchains/$(TARGET).mk
# The size profile's build, for a toolchain that names the GNU cross prefix it
# is made with (TC_MINIMAL_CROSS): musl built from Debian's source with the
# toolchain's flags, GCC's link-time optimisation, GNU ld's tightest layout
# (toolchains/x86_64-linux-musl.mk says what each part saves, and why).
ifneq ($(MINIMAL_ON),)
ifneq ($(TC_MINIMAL_CROSS),)
TC_MUSL_CROSS := $(TC_MINIMAL_CROSS)
TC_MUSL_CFLAGS := $(TC_CFLAGS)
TC_CC := $(abspath build/musl/$(TARGET))/bin/musl-gcc
TC_AR := $(TC_MINIMAL_CROSS)gcc-ar
TC_LIBC :=
TC_LTO := -flto -flto-partition=one
TC_LDFLAGS := -no-pie -static -Wl,--gc-sections -s -Wl,-z,noseparate-code -Wl,-z,norelro \
	-Wl,-z,common-page-size=16 -Wl,--sort-section=alignment
endif
endif

ifeq ($(origin CC),default)
CC := $(TC_CC)
endif
ifeq ($(origin AR),default)
AR := $(TC_AR)
endif
STRIP ?= $(TC_STRIP)
PYTHON ?= python3

# Feature switches. FEATURES is a list of words, -NAME to leave a feature out
# (and +NAME to keep one MINIMAL=1 would drop), applied in order after the
# MINIMAL=1 preset, which leaves out all of them (PAT, streamed chat and `api`
# remain). Left out means not compiled: the feature's files below are not in
# the build, src/switches.h gives the code DBX_FEATURE_NAME=0 for the few places
# that dispatch to one, and what needs it exits 2 with "not built in (NAME)".
# `dbxai --version` lists those built in. E.g. make FEATURES="-oauth -proxy",
# make MINIMAL=1, make MINIMAL=1 FEATURES=+proxy.
FEATURE_NAMES := oauth responses embeddings repl mcp proxy
FEATURE_FILES_oauth := src/auth.c src/oauth.c src/redirect.c src/cache.c src/cli/cli_login.c
FEATURE_FILES_responses := src/resp.c
FEATURE_FILES_embeddings := src/embed.c src/cli/cli_embed.c
FEATURE_FILES_repl := src/cli/cli_repl.c
FEATURE_FILES_mcp := src/mcp.c src/mcpsrv.c src/agent.c
FEATURE_FILES_proxy := src/proxy.c
# what stands in for a feature that is left out (auth.h with the token alone)
FEATURE_ALT_oauth := src/auth_pat.c
# the help sections (src/cli/help.txt) that only a feature's files read
FEATURE_HELP_repl := repl
# the unit tests of a feature's files
FEATURE_TESTS_oauth := test_oauth test_cache
FEATURE_TESTS_embeddings := test_embed
FEATURE_TESTS_responses := test_mlagent
FEATURE_TESTS_proxy := test_proxy
FEATURE_TESTS_mcp := test_mcp
FEATURES ?=
FEATURES_BAD := $(filter-out $(FEATURE_NAMES:%=-%) $(FEATURE_NAMES:%=+%),$(FEATURES))
ifneq ($(FEATURES_BAD),)
$(error FEATURES: '$(firstword $(FEATURES_BAD))' is not -NAME or +NAME; the names: $(FEATURE_NAMES))
endif
feature_fold = $(if $(1),$(call feature_fold,$(wordlist 2,$(words $(1)),$(1)),$(if \
	$(filter -%,$(firstword $(1))),$(2) $(patsubst -%,%,$(firstword $(1))),$(filter-out \
	$(patsubst +%,%,$(firstword $(1))),$(2)))),$(2))
FEATURES_OFF := $(filter $(call feature_fold,$(FEATURES),$(if $(MINIMAL_ON),$(FEATURE_NAMES))),$(FEATURE_NAMES))
FEATURES_ON := $(filter-out $(FEATURES_OFF),$(FEATURE_NAMES))
FEATURE_OFF_FILES := $(foreach f,$(FEATURES_OFF),$(FEATURE_FILES_$(f))) \
	$(foreach f,$(FEATURES_ON),$(FEATURE_ALT_$(f)))
FEATURE_CPPFLAGS := $(foreach f,$(FEATURES_OFF),-DDBX_FEATURE_$(shell echo $(f) | tr a-z A-Z)=0)
# MINIMAL=1 is also a size profile: mbedTLS without what a client can do without
# (DBX_MINIMAL in third_party/dbxai_mbedtls_config.h), no AES-GCM fast path of
# our own (src/tls_gcm.c), the streaming path built for size like the rest
# (model output is far slower than -Oz code), and what the toolchain adds
# (x86_64, armv7: musl built for size, link-time optimisation; see there).
ifneq ($(MINIMAL_ON),)
FEATURE_CPPFLAGS += -DDBX_MINIMAL=1
TC_HOT_CFLAGS :=
endif
empty :=
space := $(empty) $(empty)
FEATURE_DIR := $(if $(FEATURES_OFF),$(if $(FEATURES_ON),-no-$(subst $(space),-,$(FEATURES_OFF)),-minimal))

# A feature-reduced build, and one with an embedded CA bundle, go to their own
# folders (e.g. build/x86_64-linux-musl-minimal, build/x86_64-linux-musl-no-oauth-ca).
B := build/$(TARGET)$(FEATURE_DIR)$(if $(CA_BUNDLE),-ca)
MBEDTLS_DIR := third_party/src/mbedtls-3.6.6
JSMN_DIR := third_party/src/jsmn-1.1.0
FETCHED := third_party/src/.mbedtls-3.6.6.ok third_party/src/.jsmn-1.1.0.ok

DBX_CPPFLAGS := -Isrc -Ithird_party -I$(MBEDTLS_DIR)/include -I$(JSMN_DIR) \
	-DMBEDTLS_CONFIG_FILE='"dbxai_mbedtls_config.h"' \
	-D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(FEATURE_CPPFLAGS)
DBX_WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla \
	-Wno-format-truncation -Wno-unknown-warning-option # messages are cut to the errbuf on purpose
# TC_LTO: link-time optimisation flags of a toolchain (compile and link); the
# archives are then made with its gcc-ar (TC_AR).
DBX_CFLAGS := -std=c11 $(DBX_WARN) $(TC_CFLAGS) $(TC_LTO)
# mbedTLS is not ours to make -Werror clean
MBEDTLS_CFLAGS := -std=c99 $(TC_CFLAGS) $(TC_MBEDTLS_CFLAGS) $(TC_LTO) -w
# -pthread: mbedTLS locks its shared state with pthread mutexes (musl: in libc)
DBX_LDFLAGS := $(TC_LDFLAGS) -lm -pthread
# Code layout: with lld, the functions an everyday chat runs go first, packed,
# in tools/hot.order's order (make hot-order writes it; tools/hot_order.py says
# why): the code a chat never runs is then never paged in, 130 KiB less of its
# peak RSS. GNU ld has no such option; its layout stays the default.
HOT_ORDER := tools/hot.order
ifneq ($(filter -fuse-ld=lld,$(TC_LDFLAGS)),)
DBX_LDFLAGS += -Wl,--symbol-ordering-file=$(HOT_ORDER) -Wl,--no-warn-symbol-ordering
endif
# With TC_LTO the code is made at the link, whose warnings (after inlining across
# files, mbedTLS's code too) are not errors: each file's own were at its compile.
ifneq ($(TC_LTO),)
DBX_LDFLAGS += -w
endif
# A toolchain may name its libc.a (TC_LIBC) to be linked as a copy whose code
# sections start on TC_LIBC_ALIGN bytes, not 16 (toolchains/x86_64-linux-musl.mk
# says why), made with TC_OBJCOPY: -L puts the copy before the toolchain's own.
# Only with the toolchain's compiler.
TC_OBJCOPY ?= objcopy
TC_LIBC_ALIGN ?= 1
ifneq ($(and $(TC_LIBC),$(filter $(TC_CC),$(CC))),)
LIBC_COPY := $(B)/libc/libc.a
DBX_LDFLAGS += -L$(B)/libc
endif

# The library is src/*.c; the command line is src/cli/ (never linked into
# libdbxai.a: make check-layers checks it). The CLI's modules other than main.c
# form libdbxai-cli.a, which the unit tests of those modules link too.
SRC := $(filter-out $(FEATURE_OFF_FILES),$(wildcard src/*.c))
CLI_SRC := $(filter-out $(FEATURE_OFF_FILES),$(wildcard src/cli/*.c))
# Ours, but called by mbedTLS (its cipher.c), so it is linked with mbedTLS.
GLUE_SRC := src/tls_gcm.c src/tls_sha1.c src/tls_nokey.c src/tls_x25519.c
LIB_SRC := $(filter-out $(GLUE_SRC),$(SRC))
GLUE_OBJ := $(GLUE_SRC:src/%.c=$(B)/obj/%.o)
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/obj/%.o)
CLI_OBJ := $(CLI_SRC:src/%.c=$(B)/obj/%.o)
CLI_MAIN_OBJ := $(B)/obj/cli/main.o
CLI_LIB := $(B)/libdbxai-cli.a
UNIT_SRC := $(filter-out $(foreach f,$(FEATURES_OFF),$(FEATURE_TESTS_$(f):%=tests/unit/%.c)),\
	$(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

LIBS := $(B)/libdbxai.a $(B)/libmbedtls.a

# Quiet by default; `make V=1` shows every command.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

.PHONY: budget demo all cross test test-unit test-e2e check size fetch clean help fuzz bench fmt \
	install uninstall check-layers fmt-check
.DEFAULT_GOAL := all

all: $(B)/dbxai

help:
	@echo 'make [TARGET=t]         build build/<t>/dbxai (default t: x86_64-linux-musl)'
	@echo 'make demo               build, then stream one chat reply (local mock if no workspace)'
	@echo 'make cross              build all of: $(TARGETS)'
	@echo 'make FEATURES="-NAME ..."  leave features out (+NAME keeps one): $(FEATURE_NAMES);'
	@echo '                        e.g. FEATURES="-oauth -responses"; what needs one exits 2,'
	@echo '                        "not built in (NAME)"; dbxai --version lists those built in'
	@echo 'make MINIMAL=1          all of them out (PAT, streamed chat, api), built for size;'
	@echo '                        such builds go to build/<t>-minimal, build/<t>-no-NAME...'
	@echo 'make CA_BUNDLE="FILE.." embed CA certificates (PEM bundles or one or two roots; as DER)'
	@echo 'make image              OCI image layout build/image and build/dbxai-$(VERSION)-oci.tar:'
	@echo '                        one image per platform ($(foreach p,$(IMAGE_PLATFORMS),$(word 2,$(subst =, ,$(p))))),'
	@echo '                        reproducible (SOURCE_DATE_EPOCH, default the commit time)'
	@echo 'make test-image         skopeo and umoci check it; two images run in an empty root'
	@echo 'make test-minimal       the MINIMAL=1 build (x86_64): check-layers, unit, end-to-end'
	@echo 'make test [TARGET=t]    unit and end-to-end tests for t (foreign ones under qemu);'
	@echo '                        for x86_64 also the sanitizer unit run; the board targets'
	@echo '                        (mipsel, mips, riscv64, armv5te) and armv7 run the end-to-end subset'
	@echo '                        E2E_BOARDS (chat streams and requests, transport basics,'
	@echo '                        TLS certificates, faults, OAuth tokens); test-e2e: all of it'
	@echo 'make check              fmt-check, check-layers, make test for every target,'
	@echo '                        test-minimal, memcheck, test-e2e-asan, test-threads, budget,'
	@echo '                        test-image, fuzz-brief: what CI runs'
	@echo 'make check-layers       library files call only files below them (src/LAYERS)'
	@echo 'make fmt-check          the sources are formatted as .clang-format says'
	@echo 'make size               stripped size of each target binary'
	@echo 'make hot-order          rewrite tools/hot.order (the code a chat runs, laid out first)'
	@echo 'make budget             size, peak RSS, start and first-token times against budgets'
	@echo 'make fuzz               run each libFuzzer target for FUZZ_SECONDS (60)'
	@echo 'make fuzz-long          each target for 10 minutes; fuzz-brief: 50,000 runs from'
	@echo '                        a fixed seed (in make check)'
	@echo 'make memcheck           unit + end-to-end tests under valgrind (no errors, no leaks)'
	@echo 'make test-e2e-asan      end-to-end tests against the ASan+UBSan build'
	@echo 'make test-threads       8 threads x 50 streamed chats, a client per thread, under'
	@echo '                        ThreadSanitizer (TARGET=tsan): no report, every reply right'
	@echo 'make bench              benchmarks (tests/bench)'
	@echo 'make fetch              fetch and verify the pinned third-party sources'
	@echo 'make fmt                clang-format the sources'
	@echo 'make install [PREFIX=/usr/local] [DESTDIR=]'
	@echo '                        bin/dbxai, lib/libdbxai.a (mbedTLS inside), include/dbxai.h,'
	@echo '                        lib/pkgconfig/dbxai.pc, the man page, bash, zsh and fish completion'
	@echo 'make uninstall          remove what make install put there'
	@echo 'make clean              remove build/'
	@echo 'toolchains: x86_64-linux-musl aarch64-linux-musl armv7-linux-musleabihf'
	@echo '            boards: mipsel-linux-musl (MediaTek routers) mips-linux-musl'
	@echo '            (Atheros/QCA routers) riscv64-linux-musl armv5te-linux-musleabi'
	@echo '            (Pi Zero/1, ARM9/ARM11); native (host gcc + ASan/UBSan)'
	@echo '            memcheck (valgrind) tsan (clang + ThreadSanitizer)'

fetch: $(FETCHED)
# One run makes both stamps (a grouped target: -j must not start two fetches).
$(FETCHED) &: third_party/manifest third_party/fetch.sh
	./third_party/fetch.sh mbedtls jsmn
	@touch $(FETCHED)

# `make demo` and `make check` on a fresh machine: what they lack is installed first
# (third_party/need.sh: names it, then runs bootstrap.sh, through sudo when not
# root), before the fetch below needs apt-get source. A no-op when all is there.
NEED_GOAL := $(firstword $(filter check demo,$(MAKECMDGOALS)))
ifneq ($(NEED_GOAL),)
ifneq ($(shell sh third_party/need.sh $(NEED_GOAL) >&2 || echo failed),)
$(error third_party/bootstrap.sh failed (above); run it by hand, then make $(NEED_GOAL))
endif
endif

# A target whose musl Debian 12 does not package (mips, riscv64), or packages only
# as position-independent code (mipsel, armel), sets TC_MUSL_CROSS (the prefix of
# Debian's cross gcc and binutils, e.g. mips-linux-gnu-) and TC_MUSL_CFLAGS:
# musl is built from Debian's source package (pinned in third_party/manifest) with
# that compiler, static only, into build/musl/<target>, with musl's musl-gcc
# wrapper, which is the target's CC (TC_CC). Every object waits for it (TC_DEPS).
# About 40 s of CPU time. (Debian's patches to musl are not applied: the orig
# tarball is used as it is, as for mbedTLS.)
MUSL_VERSION := 1.2.5
MUSL_DIR := third_party/src/musl-$(MUSL_VERSION)
MUSL_FETCHED := third_party/src/.musl-$(MUSL_VERSION).ok
ifneq ($(TC_MUSL_CROSS),)
MUSL_PREFIX := build/musl/$(TARGET)
TC_DEPS := $(MUSL_PREFIX)/.ok
$(MUSL_FETCHED): third_party/manifest third_party/fetch.sh
	./third_party/fetch.sh musl
	@touch $@
$(MUSL_PREFIX)/.ok: $(MUSL_FETCHED) build/musl/$(TARGET).opt
	$(call say,MUSL,$(MUSL_PREFIX))
	$(Q)rm -rf $(MUSL_PREFIX) $(MUSL_PREFIX)-obj && mkdir -p $(MUSL_PREFIX)-obj
	$(Q)cd $(MUSL_PREFIX)-obj && $(abspath $(MUSL_DIR))/configure --target=$(TC_MUSL_CROSS:-=) \
		CROSS_COMPILE=$(TC_MUSL_CROSS) CFLAGS='$(TC_MUSL_CFLAGS)' \
		--prefix=$(abspath $(MUSL_PREFIX)) --disable-shared --enable-wrapper=gcc \
		>configure.log 2>&1 || { tail -n 20 configure.log; exit 1; }
	$(Q)$(MAKE) --no-print-directory -s -C $(MUSL_PREFIX)-obj install \
		>$(MUSL_PREFIX)-obj/build.log 2>&1 || { tail -n 30 $(MUSL_PREFIX)-obj/build.log; exit 1; }
	$(Q)rm -rf $(MUSL_PREFIX)-obj
	@touch $@
endif

# The mbedTLS source list exists only after the fetch: it is a generated fragment
# that make builds (fetching first) and then re-reads.
NO_BUILD_GOALS := clean help fmt fmt-check fetch uninstall
ifneq ($(filter-out $(NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
include build/mbedtls-sources.mk
endif
# The list is made by the shell: make's own $(wildcard) answers from a
# directory cache filled before the fetch, so on a fresh clone it was empty.
build/mbedtls-sources.mk: $(FETCHED)
	@mkdir -p build
	@set -- $(MBEDTLS_DIR)/library/*.c; [ -f "$$1" ] || \
		{ echo "make: no mbedTLS sources in $(MBEDTLS_DIR)/library; run make fetch" >&2; exit 1; }; \
		echo "MBEDTLS_SRC := $$*" >$@.tmp
	@mv $@.tmp $@
MBEDTLS_OBJ := $(MBEDTLS_SRC:$(MBEDTLS_DIR)/library/%.c=$(B)/mbedtls/%.o) $(GLUE_OBJ)

# AES-GCM records go through src/tls_gcm.c (eight blocks at a time with AES-NI
# and PCLMULQDQ or AES and PMULL, else mbedTLS's code): cipher.c's two one-shot
# GCM calls are renamed to its functions.
$(B)/mbedtls/cipher.o: MBEDTLS_CFLAGS += -Dmbedtls_gcm_crypt_and_tag=tls_gcm_crypt_and_tag \
	-Dmbedtls_gcm_auth_decrypt=tls_gcm_auth_decrypt
$(B)/mbedtls/cipher.o: src/tls_gcm.h
# X25519 in 64-bit limbs (src/tls_x25519.c) where the toolchain asks for it
# (TC_X25519 = 1; not in MINIMAL=1 builds): the TLS 1.2 key exchange (ecdh.c)
# and TLS 1.3's key share (PSA) and shared secret (ecdh.c again) call it.
ifeq ($(TC_X25519)$(filter-out 0,$(MINIMAL)),1)
X25519_OBJ := $(B)/mbedtls/ecdh.o $(B)/mbedtls/psa_crypto_ecp.o
$(B)/mbedtls/ecdh.o: MBEDTLS_CFLAGS += -Dmbedtls_ecp_mul_restartable=tls_x25519_mul_restartable
$(B)/mbedtls/psa_crypto_ecp.o: MBEDTLS_CFLAGS += -Dmbedtls_ecp_mul=tls_x25519_mul
$(X25519_OBJ): src/tls_x25519.h
endif
# A client without a key of its own: the public-key layer's private-key calls
# (signing, decrypting, key checks, completing a key) go to src/tls_nokey.c
# (8 KB on x86_64).
NOKEY_OBJ := $(patsubst %,$(B)/mbedtls/%.o,pk_wrap pk rsa)
$(NOKEY_OBJ): MBEDTLS_CFLAGS += -include src/tls_nokey.h
$(NOKEY_OBJ): src/tls_nokey.h
$(B)/mbedtls/rsa.o: MBEDTLS_CFLAGS += -DDBX_NOKEY_RSA_C
# mbedTLS 3.6.6's AES-NI assembly keeps its jump to the decryption loop ("jz 2f")
# when MBEDTLS_BLOCK_CIPHER_NO_DECRYPT leaves the loop out. In aesni.o's own
# assembly a later "2:" takes it (never jumped to: nothing decrypts); in the one
# file link-time optimisation writes (TC_LTO) none may follow, and the assembler
# fails. So aesni.o is always compiled to code.
$(B)/mbedtls/aesni.o: MBEDTLS_CFLAGS += -fno-lto

$(B)/mbedtls/%.o: $(MBEDTLS_DIR)/library/%.c third_party/dbxai_mbedtls_config.h | $(TC_DEPS)
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(DBX_CPPFLAGS) $(MBEDTLS_CFLAGS) $(HOT_CFLAGS) $(CFLAGS) -c $< -o $@

$(B)/libmbedtls.a: $(MBEDTLS_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(B)/obj/%.o: src/%.c | $(FETCHED) $(TC_DEPS)
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(DBX_CPPFLAGS) $(DBX_CFLAGS) $(HOT_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# The help text (src/cli/help.txt) goes into the binary packed (tools/help_pack.py:
# 11 KB of text in 5.7 KB), as a header that only cli_help.c includes; without
# the sections only a left-out feature reads.
HELP_H := $(B)/gen/help_pack.h
$(HELP_H): src/cli/help.txt tools/help_pack.py
	@mkdir -p $(@D)
	$(call say,GEN,$@)
	$(Q)$(PYTHON) tools/help_pack.py src/cli/help.txt $@ \
		$(foreach f,$(FEATURES_OFF),$(FEATURE_HELP_$(f)))
$(B)/obj/cli/cli_help.o: $(HELP_H)
$(B)/obj/cli/cli_help.o: DBX_CPPFLAGS += -I$(B)/gen

$(CLI_LIB): $(filter-out $(CLI_MAIN_OBJ),$(CLI_OBJ))
	@rm -f $@
	$(call say,AR,$@)
	$(Q)$(AR) rcs $@ $^

# The streaming hot path (record decryption, SSE, JSON, the chat decoder) is
# built for speed (TC_HOT_CFLAGS, e.g. -O2), the rest for size. http, conn and
# provider left the list (-3.9 KB on x86_64): callgrind counted the same
# instructions per chunk without them (7,115-7,145 against 7,123) and a
# 100,000-chunk chat the same CPU.
# A toolchain may name shorter lists of hot objects, ours (TC_HOT_OURS) and
# mbedTLS's (TC_HOT_MBEDTLS).
TC_HOT_OURS ?= json sse chat tls_gcm
TC_HOT_MBEDTLS ?= aes aesni aesce gcm cipher cipher_wrap ssl_msg
HOT_OBJ := $(patsubst %,$(B)/obj/%.o,$(TC_HOT_OURS)) \
	$(patsubst %,$(B)/mbedtls/%.o,$(TC_HOT_MBEDTLS))
$(HOT_OBJ): HOT_CFLAGS := $(TC_HOT_CFLAGS)

# Option stamps: a file per setting that changes only when the setting does,
# so objects are rebuilt when the compiler, flags or the hot list change (FLAGS_OPT), the
# binary relinked when link flags do (LDFLAGS_OPT), and the embedded CA
# certificates remade when CA_BUNDLE does.
# CA_BUNDLE="FILE..." (PEM bundles, e.g. Debian's whole
# /etc/ssl/certs/ca-certificates.crt, or the one or two roots a workspace needs;
# a DER certificate also does) is embedded in the binary for FROM scratch images:
# tools/ca_der.py turns it into DER certificates end to end, which tls_ca.c
# includes with .incbin; the make output says how many roots and bytes.
CA_BUNDLE ?=
stamp = $(shell mkdir -p $(dir $(1)); [ -f $(1) ] && [ "$$(cat $(1))" = "$(2)" ] || echo "$(2)" >$(1))$(1)
CA_OPT := $(call stamp,$(B)/ca_bundle.opt,$(CA_BUNDLE))
ifneq ($(TC_MUSL_CROSS),)
MUSL_OPT := $(call stamp,build/musl/$(TARGET).opt,$(TC_MUSL_CROSS) $(TC_MUSL_CFLAGS))
endif
FLAGS_OPT := $(call stamp,$(B)/flags.opt,$(CC) $(DBX_CFLAGS) $(CFLAGS) $(MBEDTLS_CFLAGS) $(TC_HOT_CFLAGS) $(notdir $(HOT_OBJ)) $(X25519_OBJ))
LDFLAGS_OPT := $(call stamp,$(B)/ldflags.opt,$(DBX_LDFLAGS) $(LDFLAGS))
$(B)/dbxai: $(LDFLAGS_OPT)
# a rebuilt musl relinks what links it
$(B)/dbxai $(UNIT_BIN) $(B)/tests/e2e_driver $(B)/tests/threads: $(TC_DEPS)
$(B)/obj/tls_ca.o: $(CA_OPT) $(CA_BUNDLE)
$(LIB_OBJ) $(CLI_OBJ) $(MBEDTLS_OBJ): $(FLAGS_OPT)
ifneq ($(CA_BUNDLE),)
CA_DER := $(B)/ca_bundle.der
$(CA_DER): $(CA_OPT) $(CA_BUNDLE) tools/ca_der.py
	$(Q)$(PYTHON) tools/ca_der.py $@ $(CA_BUNDLE)
$(B)/obj/tls_ca.o: $(CA_DER)
$(B)/obj/tls_ca.o: DBX_CPPFLAGS += -DDBX_CA_BUNDLE='"$(abspath $(CA_DER))"'
endif

$(B)/libdbxai.a: $(LIB_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)$(AR) rcs $@ $^

ifneq ($(LIBC_COPY),)
$(LIBC_COPY): $(TC_LIBC)
	@mkdir -p $(@D)
	$(call say,OBJCOPY,$@)
	$(Q)$(TC_OBJCOPY) --set-section-alignment '.text*=$(TC_LIBC_ALIGN)' $< $@
$(B)/dbxai $(UNIT_BIN) $(B)/tests/e2e_driver $(B)/tests/threads: $(LIBC_COPY)
endif

$(B)/dbxai: $(CLI_MAIN_OBJ) $(CLI_LIB) $(LIBS) $(HOT_ORDER)
	$(call say,LINK,$@)
	$(Q)$(CC) $(DBX_CFLAGS) $(CFLAGS) $(CLI_MAIN_OBJ) $(CLI_LIB) $(LIBS) $(DBX_LDFLAGS) \
		$(LDFLAGS) -o $@

# tools/hot.order from the functions an unstripped x86_64 binary runs under
# qemu-user for the everyday commands (run it after changing what a chat runs:
# make budget's peak RSS row shows when it is due).
$(B)/dbxai.sym: $(CLI_MAIN_OBJ) $(CLI_LIB) $(LIBS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(DBX_CFLAGS) $(CFLAGS) $(CLI_MAIN_OBJ) $(CLI_LIB) $(LIBS) \
		$(filter-out -s,$(DBX_LDFLAGS)) $(LDFLAGS) -o $@
.PHONY: hot-order
hot-order:
	@$(MAKE) --no-print-directory TARGET=x86_64-linux-musl build/x86_64-linux-musl/dbxai.sym
	@$(PYTHON) tools/hot_order.py build/x86_64-linux-musl/dbxai.sym $(HOT_ORDER)

$(B)/tests/%: tests/unit/%.c tests/unit/harness.h $(CLI_LIB) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(DBX_CPPFLAGS) -Isrc/cli -Itests/unit $(DBX_CFLAGS) $(CFLAGS) -MMD -MP $< \
		$(CLI_LIB) $(LIBS) $(DBX_LDFLAGS) $(LDFLAGS) -o $@

# Installing. The installed libdbxai.a holds the mbedTLS objects too (built with
# our configuration, third_party/dbxai_mbedtls_config.h), so a program needs only
# `-ldbxai -lm` (pkg-config --cflags --libs dbxai) and the toolchain of the
# target (e.g. musl-gcc: the objects are built against musl). The DESTDIR
# tree is what the end-to-end tests compile examples/stream.c against.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
VERSION := $(shell sed -n 's/.*DBX_VERSION "\(.*\)"/\1/p' src/dbxai.h)
INSTALL ?= install

$(B)/dist/libdbxai.a: $(LIB_OBJ) $(MBEDTLS_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)$(AR) rcs $@ $^

install: $(B)/dbxai $(B)/dist/libdbxai.a
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(FISHCOMPDIR)
	$(INSTALL) -m 0755 $(B)/dbxai $(DESTDIR)$(BINDIR)/dbxai
	$(INSTALL) -m 0644 $(B)/dist/libdbxai.a $(DESTDIR)$(LIBDIR)/libdbxai.a
	$(INSTALL) -m 0644 src/dbxai.h $(DESTDIR)$(INCLUDEDIR)/dbxai.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		dbxai.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/dbxai.pc
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/dbxai.pc
	$(INSTALL) -m 0644 doc/dbxai.1 $(DESTDIR)$(MANDIR)/man1/dbxai.1
	# completion: the scripts the binary prints (dbxai completion SHELL), one source
	$(TC_RUN) $(B)/dbxai completion bash >$(DESTDIR)$(BASHCOMPDIR)/dbxai
	$(TC_RUN) $(B)/dbxai completion zsh >$(DESTDIR)$(ZSHCOMPDIR)/_dbxai
	$(TC_RUN) $(B)/dbxai completion fish >$(DESTDIR)$(FISHCOMPDIR)/dbxai.fish
	chmod 0644 $(DESTDIR)$(BASHCOMPDIR)/dbxai $(DESTDIR)$(ZSHCOMPDIR)/_dbxai \
		$(DESTDIR)$(FISHCOMPDIR)/dbxai.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dbxai $(DESTDIR)$(LIBDIR)/libdbxai.a \
		$(DESTDIR)$(INCLUDEDIR)/dbxai.h $(DESTDIR)$(LIBDIR)/pkgconfig/dbxai.pc \
		$(DESTDIR)$(MANDIR)/man1/dbxai.1 $(DESTDIR)$(BASHCOMPDIR)/dbxai \
		$(DESTDIR)$(ZSHCOMPDIR)/_dbxai $(DESTDIR)$(FISHCOMPDIR)/dbxai.fish

# Programs on the library API that the end-to-end tests drive.
$(B)/tests/e2e_driver: tests/e2e/driver.c $(LIBS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(DBX_CPPFLAGS) $(DBX_CFLAGS) $(CFLAGS) $< $(LIBS) $(DBX_LDFLAGS) $(LDFLAGS) -o $@

$(B)/tests/threads: tests/threads/threads.c $(LIBS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(DBX_CPPFLAGS) $(DBX_CFLAGS) $(CFLAGS) $< $(LIBS) $(DBX_LDFLAGS) $(LDFLAGS) -o $@

-include $(LIB_OBJ:.o=.d) $(GLUE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d)

# Fuzzing: every tests/fuzz/fuzz_NAME.c is a libFuzzer target, built with
# TARGET=fuzz and run for FUZZ_SECONDS with tests/data/NAME as its seed corpus;
# new inputs go to build/fuzz/corpus/NAME. A crash, leak or sanitizer report
# fails the run. fuzz-long: 10 minutes each. fuzz-brief (make check): a fixed
# seed and number of runs, so a fresh clone fuzzes the same inputs on any
# machine and CI does not fail on luck; the timed runs explore.
FUZZ_SECONDS ?= 60
FUZZ_LIMIT ?= -max_total_time=$(FUZZ_SECONDS)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(DBX_CPPFLAGS) $(DBX_CFLAGS) $(CFLAGS) $< $(LIBS) $(DBX_LDFLAGS) $(LDFLAGS) -o $@

.PHONY: fuzz-long fuzz-brief
ifeq ($(TARGET),fuzz)
fuzz: $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
	@for n in $(FUZZ_NAMES); do \
		mkdir -p $(B)/corpus/$$n; \
		echo "fuzz: $$n ($(FUZZ_LIMIT))"; \
		$(B)/fuzz/fuzz_$$n $(FUZZ_LIMIT) -print_final_stats=1 \
			-artifact_prefix=$(B)/fuzz-$$n- $(B)/corpus/$$n tests/data/$$n \
			>$(B)/fuzz-$$n.log 2>&1 || { tail -n 40 $(B)/fuzz-$$n.log; exit 1; }; \
		grep -aE 'stat::number_of_executed_units|stat::average_exec_per_sec' $(B)/fuzz-$$n.log \
			| sed "s/^/  $$n /"; \
	done
else
fuzz:
	@$(MAKE) --no-print-directory TARGET=fuzz fuzz
endif
fuzz-long:
	@$(MAKE) --no-print-directory TARGET=fuzz FUZZ_SECONDS=600 fuzz
fuzz-brief:
	@$(MAKE) --no-print-directory TARGET=fuzz FUZZ_LIMIT='-seed=1 -runs=50000' fuzz

# Memory checking. memcheck: the unit tests and the end-to-end suite with every
# test program and dbxai under valgrind (toolchains/memcheck.mk: a dynamic glibc
# build, since valgrind cannot see malloc in a static binary); exit status 99
# (valgrind's, which no test expects) on any error or leak fails the test that
# ran it. test-e2e-asan: the end-to-end suite against the ASan+UBSan build
# (TARGET=native), run through env so that a sanitizer report or a leak exits
# 98 (the tests pass dbxai a clean environment). Both skip the empty-root tests
# (they need the static binary) and, with a run prefix set, give timing checks
# the slack they give qemu.
# Left out under valgrind (20-50x slower): the cut-at-every-offset test (its
# one-shot servers give up before a slowed client connects); and, for make
# check's time, the suites whose code paths the others cover and which run
# under ASan's leak check anyway: the MCP servers (node children, 2 min under
# valgrind), the line editor's keystrokes, the help and completion texts.
MEMCHECK_E2E_SKIP := test_every_byte_offset,e2e_mcp.,e2e_ledit.,e2e_help.
.PHONY: memcheck test-e2e-asan
memcheck:
	@$(MAKE) --no-print-directory TARGET=memcheck test-unit
	@DBXAI_E2E_SKIP=$(MEMCHECK_E2E_SKIP) $(MAKE) --no-print-directory TARGET=memcheck test-e2e
test-e2e-asan:
	@$(MAKE) --no-print-directory TARGET=native test-e2e \
		TC_RUN='env ASAN_OPTIONS=detect_leaks=1:exitcode=98 UBSAN_OPTIONS=exitcode=98'

# Threads: "one client per thread" under load. tests/threads/run.py starts a
# TLS 1.3 and a TLS 1.2 mock and runs tests/threads/threads.c: 8 threads x 50
# streamed chats, each thread with its own clients (a new one every 10 chats,
# so handshakes overlap all along), every reply checked. test-threads builds it
# all, mbedTLS included, with ThreadSanitizer (TARGET=tsan), where any report
# fails the run (exit 66). threads-run runs it for the TARGET given, e.g.
# `make TARGET=aarch64-linux-musl threads-run` (no sanitizer there).
.PHONY: test-threads threads-run
test-threads:
	@$(MAKE) --no-print-directory TARGET=tsan threads-run
threads-run: $(B)/tests/threads
	@DBXAI_RUN='$(TC_RUN)' $(PYTHON) tests/threads/run.py $(B)/tests/threads

# Benchmarks: every tests/bench/bench_*.c is a program that prints its figures;
# tests/bench/run.sh (when present) runs the side-by-side comparisons with peers.
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)
$(B)/bench/%: tests/bench/%.c $(LIBS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(DBX_CPPFLAGS) $(DBX_CFLAGS) $(CFLAGS) $< $(LIBS) $(DBX_LDFLAGS) $(LDFLAGS) -o $@

bench: $(BENCH_BIN) $(B)/dbxai
	@for b in $(BENCH_BIN); do $(TC_RUN) $$b || exit 1; done
	@if [ -x tests/bench/run.sh ]; then DBXAI_BIN=$(B)/dbxai tests/bench/run.sh; fi

# One streamed chat turn: against your workspace if one is configured, else
# against the local mock serving endpoint.
demo: $(B)/dbxai
	@tests/mock/demo.sh "$(strip $(TC_RUN) $(B)/dbxai)" $(if $(PROMPT),"$(PROMPT)")

cross:
	@for t in $(TARGETS); do $(MAKE) --no-print-directory TARGET=$$t all || exit 1; done

# Unit tests: every tests/unit/test_*.c is one program; run from the top so the
# tests find tests/data. The last line sums up all programs.
test-unit: $(UNIT_BIN)
	@pass=0; fail=0; bad=0; \
	for t in $(UNIT_BIN); do \
		out=$$(DBXAI_TESTDATA=tests/data $(TC_RUN) $$t 2>&1); rc=$$?; \
		printf '%s\n' "$$out" | sed 's/^/  /'; \
		line=$$(printf '%s\n' "$$out" | grep -E '[0-9]+ passed, [0-9]+ failed$$' | tail -n 1); \
		p=$$(printf '%s' "$$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed$$/\1/'); \
		f=$$(printf '%s' "$$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed$$/\2/'); \
		[ -n "$$line" ] || { p=0; f=1; echo "  $$t: no summary line (rc $$rc)"; }; \
		[ $$rc -eq 0 ] || bad=$$((bad + 1)); \
		pass=$$((pass + p)); fail=$$((fail + f)); \
	done; \
	echo "unit [$(TARGET)]: $$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ] && [ $$bad -eq 0 ]

# The board targets (MIPS, RISC-V, ARMv5TE) run a part of the end-to-end suite
# in `make test` (and so in make check), to keep CI's time: every test of
# streamed chat (e2e_chat.Streams) and of the request a chat sends
# (e2e_chat.Requests), transport basics and TLS certificate checks
# (e2e_transport.Basics, e2e_transport.Certificates), stalled and hostile
# servers (e2e_faults.Stalls, e2e_faults.Hostile), and OAuth tokens
# (e2e_oauth.Tokens). The code they leave out is the same C, tested on x86_64,
# aarch64 and armv7 (e2e_faults.CutStream, a chat cut at every 5th byte offset,
# outlived its mock under qemu-mipsel on a busy machine); `make test-e2e TARGET=<board>`
# runs the whole suite (all of it passed on the four). A toolchain sets
# TC_E2E_ONLY to this. Cost in make check: the subset ran in 27-31 s under qemu,
# the whole suite in 125-195 s; a board target's make test from a clean tree
# (musl, mbedTLS, the library, the unit programs, built serially; the unit tests;
# the subset) took 225 s on a busy 2-core machine, 98 s of it CPU time.
E2E_BOARDS := e2e_chat.Streams,e2e_chat.Requests,e2e_transport.Basics,e2e_transport.Certificates,e2e_faults.Stalls,e2e_faults.Hostile,e2e_oauth.Tokens

# The end-to-end tests also run a binary with the test CA embedded, in an empty
# root (no /etc, no /dev): what a FROM scratch image gives it.
build/pki/ca.pem: tests/e2e/certs.sh
	@sh tests/e2e/certs.sh build/pki

$(B)-ca/dbxai: build/pki/ca.pem $(LIB_SRC) $(CLI_SRC)
	@$(MAKE) --no-print-directory TARGET=$(TARGET) CA_BUNDLE=build/pki/ca.pem all

# The MCP reference servers the agent tests run (tests/e2e/e2e_mcp.py), from
# npm, pinned by tests/mcp/package-lock.json, into tests/mcp/node_modules.
MCP_SERVERS := tests/mcp/node_modules/.package-lock.json
$(MCP_SERVERS): tests/mcp/package-lock.json
	@echo "  NPM    tests/mcp (npm ci: the MCP reference servers, pinned)"
	$(Q)cd tests/mcp && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# (Only native binaries can run in the chroot: the ARM targets skip it.)
E2E_CA_BIN := $(if $(TC_RUN)$(filter native memcheck,$(TARGET)),,$(B)-ca/dbxai)
test-e2e: $(B)/dbxai $(B)/tests/e2e_driver $(E2E_CA_BIN) $(MCP_SERVERS)
	DBXAI_BIN=$(B)/dbxai DBXAI_BIN_CA=$(E2E_CA_BIN) DBXAI_RUN='$(TC_RUN)' $(PYTHON) tests/e2e/run.py

ifeq ($(TARGET),x86_64-linux-musl)
test: test-unit
	$(MAKE) --no-print-directory TARGET=native test-unit
	$(MAKE) --no-print-directory test-e2e
else ifeq ($(TARGET),native)
test: test-unit
else
test: test-unit $(if $(TC_ARCH_CHECK),test-arch)
	$(if $(TC_E2E_ONLY),DBXAI_E2E_ONLY='$(TC_E2E_ONLY)') \
		$(MAKE) --no-print-directory TARGET=$(TARGET) test-e2e
endif

# The OCI image (make image): a multi-platform image layout in IMAGE_DIR and the
# same as one tar, IMAGE_TAR, written by tools/oci_image.py (Python stdlib, no
# docker): per platform one layer, the static binary with IMAGE_CA_BUNDLE
# embedded (build/TARGET-ca/dbxai) as /dbxai, entrypoint /dbxai, user 65534,
# labels org.opencontainers.image.version/.revision/.source. Reproducible: the
# tars sorted, their mtimes SOURCE_DATE_EPOCH (default: the commit's time),
# owners 0:0, gzip without a timestamp; one commit gives the same digests.
# IMAGE_PLATFORMS pairs a TARGET with its OCI platform (the list to extend with
# a new target: mipsel-linux-musl=linux/mipsle, mips-linux-musl=linux/mips,
# riscv64-linux-musl=linux/riscv64, armv5te-linux-musleabi=linux/arm/v5).
# test-image checks it with skopeo and umoci and runs two of its images.
IMAGE_PLATFORMS := x86_64-linux-musl=linux/amd64 aarch64-linux-musl=linux/arm64 \
	armv7-linux-musleabihf=linux/arm/v7 mipsel-linux-musl=linux/mipsle \
	mips-linux-musl=linux/mips riscv64-linux-musl=linux/riscv64 \
	armv5te-linux-musleabi=linux/arm/v5
# make check builds and checks the image of the two platforms it runs (each other
# one is one more full build with the bundle embedded: minutes of CI each; the
# layout and the index are written the same way for any list).
IMAGE_CHECK_PLATFORMS := x86_64-linux-musl=linux/amd64 aarch64-linux-musl=linux/arm64
IMAGE_CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
IMAGE_DIR ?= build/image
IMAGE_TAR ?= build/dbxai-$(VERSION)-oci.tar
SOURCE_DATE_EPOCH ?= $(or $(shell git log -1 --format=%ct 2>/dev/null),0)
IMAGE_REVISION ?= $(or $(shell git rev-parse HEAD 2>/dev/null),unknown)
IMAGE_SOURCE ?= $(or $(shell git config --get remote.origin.url 2>/dev/null),unknown)
image_target = $(word 1,$(subst =, ,$(1)))
.PHONY: image test-image
image:
	@for p in $(IMAGE_PLATFORMS); do \
		$(MAKE) --no-print-directory TARGET=$${p%%=*} CA_BUNDLE=$(IMAGE_CA_BUNDLE) all || exit 1; \
	done
	@$(PYTHON) tools/oci_image.py --layout $(IMAGE_DIR) --tar $(IMAGE_TAR) --version $(VERSION) \
		--revision $(IMAGE_REVISION) --source $(IMAGE_SOURCE) --epoch $(SOURCE_DATE_EPOCH) \
		$(foreach p,$(IMAGE_PLATFORMS),$(word 2,$(subst =, ,$(p)))=build/$(call \
		image_target,$(p))$(FEATURE_DIR)-ca/dbxai)
test-image: image build/pki/ca.pem
	@DBXAI_IMAGE=$(IMAGE_DIR) DBXAI_IMAGE_TAR=$(IMAGE_TAR) DBXAI_VERSION=$(VERSION) \
		DBXAI_REVISION=$(IMAGE_REVISION) \
		DBXAI_IMAGE_PLATFORMS='$(foreach p,$(IMAGE_PLATFORMS),$(word 2,$(subst =, ,$(p))))' \
		$(PYTHON) tests/image/run.py

# The smallest build, as make check runs it: MINIMAL=1 for x86_64, its layers,
# unit tests (those of left-out files are not built) and the end-to-end suite,
# whose tests of a left-out feature are skipped with the reason printed
# (tests/e2e/lib.py asks the binary's --version).
.PHONY: test-minimal
test-minimal:
	@$(MAKE) --no-print-directory TARGET=x86_64-linux-musl MINIMAL=1 check-layers
	@$(MAKE) --no-print-directory TARGET=x86_64-linux-musl MINIMAL=1 test-unit
	@$(MAKE) --no-print-directory TARGET=x86_64-linux-musl MINIMAL=1 test-e2e

# A toolchain may name a line its binary must show (TC_ARCH_CHECK) in the output of
# a command (TC_ARCH_CHECK_CMD, given the binary), e.g. the CPU architecture the
# ELF attributes record: a mismatch fails make test.
.PHONY: test-arch
test-arch: $(B)/dbxai
	@$(TC_ARCH_CHECK_CMD) $(B)/dbxai | sed 's/^ *//' | grep -qxF '$(TC_ARCH_CHECK)' || \
		{ echo "test-arch: $(TC_ARCH_CHECK_CMD) $(B)/dbxai shows no line '$(TC_ARCH_CHECK)'"; exit 1; }
	@echo "test-arch [$(TARGET)]: $(TC_ARCH_CHECK)"

# Layers only point down: the order is written once, in src/LAYERS; the check
# reads the symbols of the built objects (nm) and names any call that points
# up or sideways, and any command-line file inside libdbxai.a.
check-layers: $(B)/libdbxai.a $(CLI_LIB) $(CLI_MAIN_OBJ)
	@$(PYTHON) tests/check_layers.py src/LAYERS $(B)/libdbxai.a $(CLI_LIB) $(CLI_MAIN_OBJ)

# make check: each step's builds use CHECK_JOBS jobs (default: the CPUs) and
# each step prints its wall time, the total last. The qemu targets, valgrind
# beside ASan, and the image beside fuzzing run two at a time (check_both: each
# into its own log, printed when both are done), so that one step's serial
# tests do not leave a CPU idle; their timing checks give a run prefix (TC_RUN)
# its slack. The x86_64 suite and the budget's figures run alone. On a 2-core
# machine a fresh clone's check took 62 min one step and one file at a time,
# 46 min so.
CHECK_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check_step = s=$$(date +%s); $(MAKE) --no-print-directory -j$(CHECK_JOBS) $(1) || exit 1; \
	echo "check: $(strip $(1)): $$(($$(date +%s) - s)) s"
check_both = mkdir -p build/check; \
	( $(call check_step,$(1)) ) >build/check/1.log 2>&1 & p1=$$!; \
	( $(call check_step,$(2)) ) >build/check/2.log 2>&1; r2=$$?; wait $$p1; r1=$$?; \
	cat build/check/1.log build/check/2.log; [ $$r1 -eq 0 ] && [ $$r2 -eq 0 ] || exit 1
check:
	@s0=$$(date +%s); \
	$(call check_step,fmt-check); \
	$(call check_step,check-layers); \
	$(call check_step,TARGET=x86_64-linux-musl test); \
	$(call check_both,TARGET=aarch64-linux-musl test,TARGET=armv7-linux-musleabihf test); \
	$(call check_both,TARGET=mipsel-linux-musl test,TARGET=mips-linux-musl test); \
	$(call check_both,TARGET=riscv64-linux-musl test,TARGET=armv5te-linux-musleabi test); \
	$(call check_step,test-minimal); \
	$(call check_step,budget); \
	$(call check_both,memcheck,test-e2e-asan); \
	$(call check_step,test-threads); \
	$(call check_both,test-image IMAGE_PLATFORMS="$(IMAGE_CHECK_PLATFORMS)",fuzz-brief); \
	echo "check: all targets passed in $$(($$(date +%s) - s0)) s"

# Footprint figures next to their budgets; fails when one is over.
budget: size
	@for t in x86_64-linux-musl armv7-linux-musleabihf; do \
		$(MAKE) --no-print-directory -s TARGET=$$t MINIMAL=1 all || exit 1; done
	@$(PYTHON) tests/budget.py

size:
	@for t in $(TARGETS); do $(MAKE) --no-print-directory -s TARGET=$$t all || exit 1; done
	@for t in $(TARGETS); do \
		stat -c %s build/$$t/dbxai | \
			awk -v t=$$t '{ printf "%-24s %8d bytes %7.1f KiB\n", t, $$1, $$1 / 1024 }'; \
	done

# The house format is .clang-format, applied by clang-format 14 (Debian 12's).
FMT_FILES = $(wildcard src/*.[ch] src/cli/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] \
	tests/e2e/*.c tests/threads/*.c tests/bench/*.c examples/*.c)
fmt:
	clang-format -i $(FMT_FILES)
fmt-check:
	@out=$$(clang-format --dry-run $(FMT_FILES) 2>&1); \
	n=$$(printf '%s\n' "$$out" | grep -c 'warning:'); \
	if [ "$$n" -ne 0 ]; then printf '%s\n' "$$out" | grep 'warning:' | head -n 20; \
		echo "fmt-check: $$n places differ from .clang-format: run make fmt"; exit 1; fi; \
	echo "fmt-check: $(words $(FMT_FILES)) files formatted as .clang-format says"

clean:
	rm -rf build
