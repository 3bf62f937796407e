# UploadEdge: build, replay, test and benchmark.
#
#   make run     install what is missing, build, replay every event in Events/ through the real runtime
#   make test    install what the tests need, check formatting, run the whole test suite and the browser test
#   make serve   the whole upload flow on this machine: open the printed URL (upload-edge serve)
#   make bench   build release binaries (with the lean libcurl) and run every benchmark (LocalStack for bench s3,
#                bench multipart and bench checks; awscli in .build-bench-venv)
#   make lambda  build the bootstrap that goes to Lambda, into .build-lambda/release/bootstrap
#   make package build the deployment zip, dist/upload-edge-lambda.zip (deploy/package.sh)
#   make order-file  regenerate deploy/bootstrap.order, the order lld lays out bootstrap's hot code in (callgrind
#                over Events/; deploy/order_file.py), and relink
#   make lint-template  cfn-lint template.yaml (SAM transform applied)
#   make fuzz    build the libFuzzer targets of Tests/Fuzz into .build-fuzz and fuzz each for FUZZ_SECONDS (60) s
#                (Tests/Scripts/fuzz.sh; FUZZ_TARGETS="fuzz-jwt …" picks some)
#   make build-<Function>  what `sam build` runs for each function of template.yaml (BuildMethod: makefile)
#   make docs    build the DocC catalogs of the 8 libraries as static HTML into .build/docs/<Target> (warnings are
#                errors, its own build in .build-docs) and print each one's documentation coverage
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENV := $(CURDIR)/.build-venv
PYTHON := $(VENV)/bin/python
CURL_PREFIX := $(CURDIR)/.build-curl
LAMBDA_SCRATCH := $(CURDIR)/.build-lambda

BUILD_PACKAGES := libcurl4-openssl-dev zlib1g-dev pkg-config patchelf zip unzip
TEST_PACKAGES := binutils util-linux python3-venv chromium chromium-driver clamav

# What runs under ThreadSanitizer: every runtime test (Managed Instances workers, streaming, async handlers), the
# emulator's concurrency tests, and the caches the workers share. The SIGTERM test is left to the normal run: under
# TSan the runtime exits by its 450 ms watchdog instead of right after its hook, so its 500 ms bound does not hold.
TSAN_TESTS := LambdaRuntimeTests\.|EmulatorManagedInstancesTests|SigningKeyCacheTests|mergesConcurrentFetches|verifiersOfOnePool
TSAN_SKIP := sendsSIGTERMToARuntimeThatRegistered

.PHONY: run test serve bench lambda package order-file lint-template fuzz docs deps test-deps format clean

run: deps
	@echo "==> building (debug)"
	$(SWIFT) build
	@echo "==> replaying Events/ through bootstrap via the local Runtime API emulator"
	.build/debug/upload-edge replay Events

test: deps test-deps
	@echo "==> checking formatting"
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift
	@echo "==> building"
	$(SWIFT) build --build-tests
	@echo "==> building the deployment package (the chroot tests run it)"
	deploy/package.sh
	@echo "==> linting template.yaml"
	$(VENV)/bin/cfn-lint template.yaml
	@echo "==> starting the services the tests use"
	Tests/Scripts/services.sh start
	@echo "==> running the test suite"
	trap 'Tests/Scripts/services.sh stop' EXIT; \
		env UPLOAD_EDGE_PYTHON=$(PYTHON) $$(Tests/Scripts/services.sh env) $(SWIFT) test; \
		echo "==> the upload page in headless Chromium, against upload-edge serve"; \
		$(PYTHON) Tests/Browser/upload_page_test.py --upload-edge .build/debug/upload-edge \
			--screenshot .build/upload-page.png; \
		echo "==> deploy/openapi.yaml: valid OpenAPI, and schemathesis against upload-edge serve's API"; \
		$(VENV)/bin/openapi-spec-validator deploy/openapi.yaml; \
		$(PYTHON) Tests/Scripts/api_fuzz.py --upload-edge .build/debug/upload-edge
	@echo "==> the runtime's concurrency under ThreadSanitizer (its own build, in .build-tsan)"
	TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/Tests/Scripts/tsan.supp" $(SWIFT) test --sanitize=thread --scratch-path .build-tsan \
		--filter '$(TSAN_TESTS)' --skip '$(TSAN_SKIP)'

serve: deps
	$(SWIFT) build
	.build/debug/upload-edge serve

bench: deps test-deps lambda
	@echo "==> building upload-edge and the raw C client (release)"
	$(SWIFT) build -c release --product upload-edge
	$(SWIFT) build -c release --product raw-runtime-client
	$(SWIFT) build -c release --product bench-bootstrap
	.build/release/upload-edge bench runtime --bootstrap $(LAMBDA_SCRATCH)/release/bootstrap --python $(PYTHON)
	.build/release/upload-edge bench runtime --concurrency 1,2,4
	.build/release/upload-edge bench runtime --streaming --bootstrap $(LAMBDA_SCRATCH)/release/bootstrap
	.build/release/upload-edge bench events
	.build/release/upload-edge bench presign --python $(PYTHON)
	.build/release/upload-edge bench upload --bootstrap $(LAMBDA_SCRATCH)/release/bootstrap
	@# awscli, the multipart benchmark's peer, in a venv of its own: .build-venv's requirements stay as the tests need.
	@if ! cmp -s <(echo awscli==1.46.3) .build-bench-venv/.requirements 2>/dev/null; then \
		echo "==> creating .build-bench-venv with awscli"; \
		python3 -m venv .build-bench-venv; \
		.build-bench-venv/bin/pip install --quiet --disable-pip-version-check awscli==1.46.3; \
		echo awscli==1.46.3 > .build-bench-venv/.requirements; \
	fi
	Tests/Scripts/services.sh start
	trap 'Tests/Scripts/services.sh stop' EXIT; \
		env $$(Tests/Scripts/services.sh env) .build/release/upload-edge bench s3; \
		.build/release/upload-edge bench multipart --aws .build-bench-venv/bin/aws \
			--bootstrap $(LAMBDA_SCRATCH)/release/bootstrap; \
		.build/release/upload-edge bench checks
	deploy/package.sh
	@if [ "$$(id -u)" = 0 ]; then .build/release/upload-edge bench package; \
		else echo "==> skipping bench package: chroot needs root"; fi

# The deployed bootstrap: release, Swift runtime linked in, libcurl built for HTTP(S) only and linked in.
# Linked by lld (in the Swift toolchain) with packed relative relocations (DT_RELR; the glibc 2.36 loader in the
# zip reads them) and no exported dynamic symbols (nothing loads bootstrap's symbols; the static stdlib's link
# flags export them all): the 1.3 MB relocation table is no longer read at start, and .dynsym/.dynstr lose 1.5 MB.
# Hardening stays and grows: PIE, RELRO (GNU ld drops it here, because Swift marks .rodata writable) and BIND_NOW.
# Peak RSS serving echo falls about 2.3 MB.
# The functions init and the handlers run go first in .text, in the order deploy/bootstrap.order lists them
# (deploy/order_file.py, from callgrind over Events/): they then share a few hundred pages instead of touching pages
# all over the binary, which takes peak RSS serving echo from 9.6-10.0 to 7.8-8.1 MB, and serving presign with the
# JWKS prefetched from 14.9 to 11.4-11.8 MB. Without the file (make order-file writes it) bootstrap links unordered.
# libstdc++ and zlib are linked in from their static archives (Debian's libstdc++ and zlib1g-dev): the linker keeps
# only the 66 KB of libstdc++ and 41 KB of zlib that bootstrap calls, so the zip loses libstdc++.so.6 (2.2 MB, 0.74 MB
# zipped) and libz.so.1, and the loader maps, relocates and initialises two libraries fewer at every cold start. A
# folder holding only the two archives is searched first, so -lstdc++ (the static Swift runtime's link flags) and -lz
# find the archives there; GCC's runtime library exception and zlib's licence both allow static linking.
STATIC_LIBS := $(LAMBDA_SCRATCH)/static-libs
# The clang the Swift toolchain links with: it finds the archives the link will find.
TOOLCHAIN_CLANG := $(dir $(realpath $(shell command -v $(SWIFT))))clang
ORDER_FILE := $(CURDIR)/deploy/bootstrap.order
LAMBDA_LINK_FLAGS := -Xswiftc -L$(STATIC_LIBS) -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs -Xlinker --no-export-dynamic \
	-Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now \
	$(if $(wildcard $(ORDER_FILE)),-Xlinker --symbol-ordering-file=$(ORDER_FILE) -Xlinker --no-warn-symbol-ordering)
lambda: deps
	deploy/build-libcurl.sh $(CURL_PREFIX)
	@# SwiftPM tracks none of what it links from outside the package: the lean libcurl, the libstdc++, zlib and
	@# OpenSSL archives (a security update of one changes its checksum), nor the order file. Their checksums are
	@# kept beside STATIC_LIBS, and bootstrap is relinked when one changed.
	@mkdir -p $(STATIC_LIBS)
	@cc=$(TOOLCHAIN_CLANG); [ -x "$$cc" ] || cc=gcc; \
	for archive in libstdc++.a libz.a; do \
		path=$$($$cc -print-file-name=$$archive); \
		case "$$path" in /*) ln -sfn "$$(realpath "$$path")" $(STATIC_LIBS)/$$archive;; \
		*) echo "error: the linker finds no $$archive: install the static archives of the C++ standard library and" \
			"zlib (Debian: the libstdc++-dev of the installed GCC and zlib1g-dev; Amazon Linux: libstdc++-static and" \
			"zlib-static)" >&2; exit 1;; esac; \
	done; \
	openssl=$$(for archive in libssl.a libcrypto.a; do path=$$($$cc -print-file-name=$$archive); \
		case "$$path" in /*) echo "$$path";; esac; done); \
	sha256sum $(CURL_PREFIX)/lib/libcurl.a $(wildcard $(ORDER_FILE)) $(STATIC_LIBS)/libstdc++.a $(STATIC_LIBS)/libz.a \
		$$openssl > $(STATIC_LIBS)/.inputs.new; \
	if cmp -s $(STATIC_LIBS)/.inputs.new $(STATIC_LIBS)/.inputs; then rm $(STATIC_LIBS)/.inputs.new; else \
		rm -f $(LAMBDA_SCRATCH)/release/bootstrap; mv $(STATIC_LIBS)/.inputs.new $(STATIC_LIBS)/.inputs; fi
	@echo "==> building bootstrap (release, static Swift runtime, lean libcurl)"
	PKG_CONFIG_PATH=$(CURL_PREFIX)/lib/pkgconfig $(SWIFT) build --scratch-path $(LAMBDA_SCRATCH) \
		-c release --static-swift-stdlib $(LAMBDA_LINK_FLAGS) --product bootstrap

package: deps
	deploy/package.sh

# Regenerates deploy/bootstrap.order from the bootstrap `make lambda` builds, then relinks with it. Run it after
# changing what init or a handler runs; commit the file it writes.
order-file: lambda
	@$(call apt_install,valgrind binutils)
	python3 deploy/order_file.py --bootstrap $(LAMBDA_SCRATCH)/release/bootstrap --output $(ORDER_FILE)
	$(MAKE) --no-print-directory lambda

lint-template: test-deps
	$(VENV)/bin/cfn-lint template.yaml

# Coverage-guided fuzzing with libFuzzer and AddressSanitizer; fails with the crashing input when a target crashes.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) Tests/Scripts/fuzz.sh

# sam build runs `make build-<LogicalId>` with ARTIFACTS_DIR set; every function ships the same zip and picks its
# handler with _HANDLER.
SAM_FUNCTIONS := PresignFunction AuthorizeFunction PreTokenFunction ObjectCreatedFunction
.PHONY: $(addprefix build-,$(SAM_FUNCTIONS))
$(addprefix build-,$(SAM_FUNCTIONS)): deps
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: sam build sets it" >&2; exit 1; }
	deploy/package.sh $(CURDIR)/dist
	mkdir -p "$(ARTIFACTS_DIR)"
	unzip -o -q $(CURDIR)/dist/upload-edge-lambda.zip -d "$(ARTIFACTS_DIR)"

# DocC, through swift-docc-plugin: one catalog per library a user imports (Sources/<Target>/Documentation.docc).
# A build of its own in .build-docs, so it never collides with a test build; every warning (a broken symbol link, a
# documented parameter that does not exist) fails it. Coverage comes from the same run.
DOCS_SCRATCH := .build-docs
DOCS_OUTPUT := .build/docs
DOCS_TARGETS := LambdaRuntime LambdaCodable LambdaEvents SigV4 S3Presigning S3 CognitoAuth UploadHandlers
docs: deps
	mkdir -p $(DOCS_OUTPUT)
	@for target in $(DOCS_TARGETS); do \
		echo "==> documentation for $$target, with its coverage"; \
		$(SWIFT) package --scratch-path $(DOCS_SCRATCH) --allow-writing-to-directory $(DOCS_OUTPUT) \
			generate-documentation --target $$target --disable-indexing \
			--transform-for-static-hosting --hosting-base-path $$target \
			--output-path $(DOCS_OUTPUT)/$$target --warnings-as-errors \
			--experimental-documentation-coverage --coverage-summary-level brief || exit 1; \
	done
	@echo "==> the HTML is in $(DOCS_OUTPUT)/<Target>; serve it with"
	@echo "    python3 -m http.server --directory $(DOCS_OUTPUT) 8000"
	@for target in $(DOCS_TARGETS); do \
		echo "    http://127.0.0.1:8000/$$target/documentation/$$(echo $$target | tr A-Z a-z)/"; done

deps:
	@$(call apt_install,$(BUILD_PACKAGES))

test-deps:
	@$(call apt_install,$(TEST_PACKAGES))
	@if ! $(PYTHON) -c 'import awslambdaric, botocore, boto3, moto, cfnlint, samtranslator, selenium, schemathesis, openapi_spec_validator' 2>/dev/null || \
		! cmp -s Tests/Scripts/requirements.txt $(VENV)/.requirements; then \
		echo "==> creating $(VENV) with the test's Python packages"; \
		python3 -m venv $(VENV); \
		$(PYTHON) -m pip install --quiet --disable-pip-version-check -r Tests/Scripts/requirements.txt; \
		cp Tests/Scripts/requirements.txt $(VENV)/.requirements; \
	fi

format:
	$(SWIFT) format format --in-place --recursive Sources Tests Package.swift

clean:
	Tests/Scripts/services.sh stop
	rm -rf .build $(LAMBDA_SCRATCH) $(CURL_PREFIX) $(VENV) .build-services

# Installs the Debian packages in $(1) that are missing, with one apt-get update first. Elsewhere (an Amazon Linux
# build container) it does nothing: install the equivalents with the system's package manager.
define apt_install
command -v dpkg >/dev/null || exit 0; \
missing=""; for package in $(1); do dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
if [ -n "$$missing" ]; then \
	echo "==> installing Debian packages:$$missing"; \
	$(SUDO) apt-get update -qq; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
fi
endef
