# Wiro Studio — `make run` starts the app, `make test` runs the whole suite.
# Both create .venv on first use and install what they need (see README): `make run` only
# the app's own dependencies; `make test` adds the test tools and PyInstaller (the suite
# builds and checks the bundle); `make package` adds PyInstaller.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# One stamp per set of extras; each is rebuilt when pyproject.toml changes.
STAMP_RUN     := $(VENV)/.installed-run
STAMP         := $(VENV)/.installed
STAMP_PACKAGE := $(VENV)/.installed-packaging

# Debian packages the headless suite needs: Qt's runtime libraries, Xvfb for real-window
# screenshots, and a private D-Bus + gnome-keyring for the one real keychain test.
DEB_PACKAGES := xvfb xauth libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 \
  libglib2.0-0 fonts-dejavu-core libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 \
  libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0 \
  libxcb-shape0 libxcb-util1 libxcb-xkb1 gnome-keyring dbus dbus-x11 openssl curl \
  desktop-file-utils appstream

.PHONY: run demo test lint sysdeps sysdeps-runtime sysdeps-apt bench soak fuzz package clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing python3-venv"; \
	  $(MAKE) --no-print-directory APT_EXTRA=python3-venv sysdeps-apt && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

# The development environment: the suite, the linters and the bundle test.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,packaging]'
	@touch $@ $(STAMP_RUN) $(STAMP_PACKAGE)

$(STAMP_PACKAGE): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[packaging]'
	@touch $@ $(STAMP_RUN)

run: $(STAMP_RUN) sysdeps-runtime
	$(BIN)/wiro-studio $(ARGS)

demo: $(STAMP_RUN) sysdeps-runtime
	$(BIN)/wiro-studio --demo

test: $(STAMP) sysdeps
	tests/headless.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests
	$(BIN)/lint-imports
	$(BIN)/mypy

# Installs missing Debian packages when apt-get is usable (root, or password-less sudo);
# otherwise it says what is missing and the suite skips what needs it.
sysdeps:
	@$(MAKE) --no-print-directory sysdeps-apt PKGS="$(DEB_PACKAGES)"

sysdeps-runtime:
	@$(MAKE) --no-print-directory sysdeps-apt PKGS="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libfontconfig1 libdbus-1-3 fonts-dejavu-core"

sysdeps-apt:
	@missing=""; for p in $(PKGS) $(APT_EXTRA); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then echo "note: missing Debian packages:$$missing (no apt-get here)"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	else echo "note: missing Debian packages:$$missing (need root to install)"; exit 0; fi; \
	echo "installing Debian packages:$$missing"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache

# The PyInstaller one-folder bundle dist/wiro-studio/ (packaging/BUILDING.md): builds it, then
# validates the desktop files and runs the bundle's offscreen smoke test. sysdeps: the bundle
# copies the build host's X/xcb libraries, and the checks need desktop-file-utils + appstream.
package: $(STAMP_PACKAGE) sysdeps
	PYTHON=$(BIN)/python packaging/build.sh --check

# The soak test (tests/bench/soak.py): the app's core, without widgets, runs 100 generations
# against the emulator with faults on (5xx, dropped connections, truncated downloads, socket
# drops, a concurrency limit of 3); capped at 600 s; the last line printed is `SOAK {...}`.
soak: $(STAMP_RUN)
	$(BIN)/python -m tests.bench.soak $(SOAK_ARGS)

# Every Hypothesis test with the long profile (tests/conftest.py: HYPOTHESIS_PROFILE=long),
# the response-parser and metadata-reader fuzzers of tests/reliability first.
fuzz: $(STAMP) sysdeps
	HYPOTHESIS_PROFILE=long tests/headless.sh $(BIN)/python -m pytest -q -o timeout=3600 \
	  tests/reliability/test_fuzz.py tests/api/test_fuzz.py tests/core tests/storage $(PYTEST_ARGS)

# The benchmarks (tests/bench/bench.py): latency to pixels (WebSocket, polling, 3 s baseline),
# GUI stalls under a burst, start time, peak RSS over a 10,000-image gallery, wire counts, all
# against the emulator on loopback. A table, then `BENCH {...}`; details in bench-results.json.
# Measurements, not pass/fail tests; BENCH_ARGS=--quick for a smoke-sized run.
bench: $(STAMP_RUN) sysdeps
	tests/headless.sh $(BIN)/python -m tests.bench.bench $(BENCH_ARGS)
