# The two set-up commands are `make demo` and `make test`; the rest are their parts.
PYTHON ?= python3

.PHONY: help demo demo-down test venv lab lab-status lab-down lint sanity unit integration molecule build

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

demo:  ## build the lab if needed, converge playbooks/site.yml on lab hosts, verify, print where things are
	$(PYTHON) -m tests.demo up

demo-down:  ## remove the demo hosts (the lab and its cache stay)
	$(PYTHON) -m tests.demo down

test:  ## everything CI runs: venv, lab, lint, sanity, unit, integration, molecule, build
	$(PYTHON) -m tests.ci test

venv:  ## create or update the tool venv (~/.cache/eda-platform/venv)
	$(PYTHON) -m tests.ci venv

lab:  ## docker engine, registry and lab images (cached)
	$(PYTHON) -m tests.lab up

lab-status:  ## what the lab has built and pushed
	$(PYTHON) -m tests.lab status

lab-down:  ## stop the lab registry and artifact server
	$(PYTHON) -m tests.lab down

lint sanity unit integration molecule build:  ## one stage of `make test`
	$(PYTHON) -m tests.ci test $@
