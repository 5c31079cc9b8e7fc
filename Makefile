# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BASE_STAMP := $(VENV)/.installed-base
PYTEST_ARGS ?=
# `make demo WEB_PORT=8010 OCPP_PORT=9010 BRIDGE_PORT=9011`: the demo's ports (CHARGELINE_*_PORT otherwise)
DEMO_PORTS := $(if $(WEB_PORT),CHARGELINE_WEB_PORT=$(WEB_PORT)) $(if $(OCPP_PORT),CHARGELINE_OCPP_PORT=$(OCPP_PORT)) \
	$(if $(BRIDGE_PORT),CHARGELINE_BRIDGE_PORT=$(BRIDGE_PORT))

.PHONY: test serve demo lint clean

# the tests need every extra; the demo only the base install
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,redis,prod]'
	@touch $(STAMP) $(BASE_STAMP)

$(BASE_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(BASE_STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

serve: $(STAMP)
	$(BIN)/chargeline serve

demo: $(BASE_STAMP)
	$(DEMO_PORTS) $(BIN)/chargeline demo

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet "mypy==2.4.*" "ruff==0.17.*" "import-linter==2.16"
	$(BIN)/ruff check bot ivr ocpp_bridge handoff tests
	$(BIN)/mypy bot ivr ocpp_bridge handoff
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache
