# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: test serve demo lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,redis,prod]'
	@touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

serve: $(STAMP)
	$(BIN)/chargeline serve

demo: $(STAMP)
	$(BIN)/chargeline demo

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet "mypy==2.4.*" "ruff==0.17.*"
	$(BIN)/ruff check bot ivr ocpp_bridge handoff tests
	$(BIN)/mypy bot ivr ocpp_bridge handoff

clean:
	rm -rf $(VENV) .pytest_cache
