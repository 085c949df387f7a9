# Two commands a person needs: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := libmpv2 xvfb xauth nginx-light wrk libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 libxcb-cursor0 libxkbcommon-x11-0 desktop-file-utils dbus

.PHONY: demo test install system-deps tools bench clean bundle install-desktop

demo: $(STAMP)
	$(BIN)/reelbox demo

# ruff (bug-finding rules only) and mypy --strict (config in pyproject.toml) first: both take seconds.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

install: $(STAMP)

# Debian packages: libmpv2 for decoding/rendering, Xvfb for the video-in-a-window tests,
# nginx-light + wrk for benchmarks/edge_bench.py (edge vs nginx on loopback).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Shaka Packager (npm) packages test content "from a different packager" than our ffmpeg pipeline.
PACKAGER := .tools/node_modules/shaka-packager/bin/packager-linux-x64
tools: $(PACKAGER)
$(PACKAGER):
	@command -v npm >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	mkdir -p .tools && cd .tools && npm install --silent --no-audit --no-fund shaka-packager@3.4.2

$(STAMP): pyproject.toml | system-deps tools
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[backend,test]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info

# Desktop bundle (issue 8, packaging/README.md): a PyInstaller one-folder app in build/bundle/dist/reelbox,
# then a smoke check of it in an empty environment (env -i): --version and a headless play.
# PyInstaller is a build tool: installed into the venv here only, not a runtime dependency.
BUNDLE := build/bundle/dist/reelbox/reelbox
bundle: $(STAMP)
	$(BIN)/python -m pip install -q 'pyinstaller>=6.10'
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath build/bundle/dist --workpath build/bundle/work packaging/bundle/reelbox.spec
	$(BIN)/python packaging/bundle/check_bundle.py $(BUNDLE)

# The .desktop entry and icon for the current user (~/.local/share/applications, .../icons/hicolor),
# pointing at the bundle when built, else at the venv's reelbox; validated with desktop-file-validate.
install-desktop: $(STAMP)
	sh packaging/desktop/install-desktop.sh
