# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The role defaults are the one place versions are written: everything else reads or agrees.

- every default in meta/argument_specs.yml is the value of defaults/main.yml, and every plain
  (untemplated) scalar a user can set in defaults/main.yml is documented there with the same
  default (names starting with "_" are a role's internal inputs);
- the zookeeper role runs the image the kafka role runs in ZooKeeper mode;
- the lab builds every image a role defaults to (Grafana excepted: it cannot be built here);
- no file under tests/, benchmarks/ or molecule/ writes down a version the defaults hold.
"""

import re

import jinja2
import pytest
import yaml

from tests import versions
from tests.lab import images

ROOT = versions.ROLES.parent
ROLES = sorted(path.name for path in versions.ROLES.iterdir() if (path / "defaults" / "main.yml").is_file())
DOCUMENTED_ROLES = [role for role in ROLES if (versions.ROLES / role / "meta" / "argument_specs.yml").is_file()]
# Grafana is AGPL and not served to this machine, so the lab has no stand-in for it (DESIGN.md,
# "The offline lab"): its dashboards are checked against Grafana's schema instead.
NOT_BUILT_BY_THE_LAB = {versions.GRAFANA_IMAGE}
CHECKED_TREES = ["tests", "benchmarks", "molecule"]
SKIPPED_FOLDERS = {"__pycache__", ".pytest_cache", ".cache"}


def argument_specs(role):
    path = versions.ROLES / role / "meta" / "argument_specs.yml"
    if not path.is_file():
        return {}
    specs = yaml.safe_load(path.read_text(encoding="utf-8"))["argument_specs"]
    return {name: option for entry_point in specs.values() for name, option in (entry_point.get("options") or {}).items()}


def is_template(value):
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def is_plain_scalar(value):
    return isinstance(value, (str, int, float, bool)) and not is_template(value)


def rendered_defaults(role, **overrides):
    """The role's defaults with every template rendered that plain Jinja2 can render from the
    other defaults; the ones that need facts, the inventory, lookups or Ansible's own filters
    are left out."""
    pending = dict(versions.role_defaults(role), **overrides)
    values = {name: value for name, value in pending.items() if not is_template(value)}
    pending = {name: value for name, value in pending.items() if is_template(value)}
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    progress = True
    while pending and progress:
        progress = False
        for name, text in list(pending.items()):
            try:
                values[name] = environment.from_string(text).render(values)
            except jinja2.TemplateError:
                continue
            del pending[name]
            progress = True
    return values


def default_images():
    """{image: "role.variable"} of every *_image default, in every kafka_mode."""
    found = {}
    for role in ROLES:
        modes = argument_specs(role).get(f"{role}_mode", {}).get("choices") or [None]
        for mode in modes:
            overrides = {f"{role}_mode": mode} if mode else {}
            for name, value in rendered_defaults(role, **overrides).items():
                if name.endswith("_image"):
                    assert not is_template(value), f"{role}: {name} did not render: {value}"
                    found.setdefault(value, f"{role}.{name}" + (f" ({role}_mode {mode})" if mode else ""))
    return found


def version_strings():
    """Every version the defaults hold: the tags of the default images and the *_version values,
    each also without its leading "v" (v3.6.0 and 3.6.0)."""
    found = {versions.tag(image) for image in default_images()}
    for role in ROLES:
        for name, value in versions.role_defaults(role).items():
            if name.endswith("_version") and is_plain_scalar(value) and str(value):
                found.add(str(value))
    return sorted(found | {value[1:] for value in found if re.match(r"v[0-9]", value)})


def version_pattern():
    """Any of the versions, not as part of a longer one (1.2.3 is not in 11.2.3 or 1.2.3.4)."""
    return re.compile(r"(?<![\w.])(%s)(?!\w|\.[0-9])" % "|".join(re.escape(value) for value in version_strings()))


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_defaults_are_the_defaults(role):
    defaults = versions.role_defaults(role)
    wrong = {}
    for name, option in argument_specs(role).items():
        if "default" in option and (name not in defaults or defaults[name] != option["default"]):
            wrong[name] = dict(argument_specs=option["default"], defaults=defaults.get(name, "(missing)"))
    assert not wrong, f"{role}: meta/argument_specs.yml and defaults/main.yml disagree: {wrong}"


@pytest.mark.parametrize("role", DOCUMENTED_ROLES)
def test_every_plain_default_is_documented_with_its_value(role):
    specs = argument_specs(role)
    wrong = {}
    for name, value in versions.role_defaults(role).items():
        if not name.startswith("_") and is_plain_scalar(value) and specs.get(name, {}).get("default", "(none)") != value:
            wrong[name] = dict(defaults=value, argument_specs=specs.get(name, {}).get("default", "(none)"))
    assert not wrong, f"{role}: defaults/main.yml values missing from meta/argument_specs.yml: {wrong}"


def test_kafka_image_follows_the_mode():
    kafka = versions.role_defaults("kafka")
    assert rendered_defaults("kafka", kafka_mode="kraft")["kafka_image"] == f"{kafka['kafka_image_name']}:{kafka['kafka_kraft_version']}"
    zookeeper_mode = rendered_defaults("kafka", kafka_mode="zookeeper")["kafka_image"]
    assert zookeeper_mode == f"{kafka['kafka_image_name']}:{kafka['kafka_zookeeper_mode_version']}"
    assert versions.KAFKA_VERSIONS == [kafka["kafka_kraft_version"], kafka["kafka_zookeeper_mode_version"]]
    assert versions.KAFKA_IMAGE == rendered_defaults("kafka")["kafka_image"]


def test_zookeeper_runs_the_image_of_kafkas_zookeeper_mode():
    assert versions.role_defaults("zookeeper")["zookeeper_image"] == rendered_defaults("kafka", kafka_mode="zookeeper")["kafka_image"]


def test_the_lab_builds_every_image_a_role_defaults_to():
    wanted = default_images()
    assert NOT_BUILT_BY_THE_LAB <= set(wanted), "an image the lab skips is no role's default any more"
    built = {image.name for image in images.CATALOGUE}
    missing = {image: variable for image, variable in wanted.items() if image not in built | NOT_BUILT_BY_THE_LAB}
    assert not missing, f"the lab (tests/lab/images.py) builds no image for {missing}"


def test_the_version_list_is_complete():
    strings = version_strings()
    for expected in (*versions.KAFKA_VERSIONS, versions.TRAEFIK_VERSION, versions.PROMETHEUS_TAG, versions.ALERTMANAGER_TAG,
                     versions.tag(versions.GRAFANA_IMAGE), versions.JMX_EXPORTER_VERSION):
        assert expected in strings


def text_files(tree):
    for path in sorted((ROOT / tree).rglob("*")):
        if path.is_file() and not SKIPPED_FOLDERS.intersection(path.relative_to(ROOT).parts) and path.suffix != ".pyc":
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


@pytest.mark.parametrize("tree", CHECKED_TREES)
def test_no_version_is_written_outside_the_defaults(tree):
    """Read them from tests/versions.py (Python) or from the role variables (YAML) instead."""
    pattern = version_pattern()
    found = []
    for path, text in text_files(tree):
        for number, line in enumerate(text.splitlines(), 1):
            match = pattern.search(line)
            if match:
                found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(1)}: {line.strip()}")
    assert not found, "versions written outside the role defaults:\n" + "\n".join(found)


def test_the_check_sees_a_written_version():
    pattern = version_pattern()
    assert pattern.search(f'image = "{versions.KAFKA_IMAGE}"')
    assert pattern.search(f"tag {versions.KAFKA_KRAFT_VERSION}.")
    assert not pattern.search(f"{versions.KAFKA_KRAFT_VERSION}1 and 1{versions.KAFKA_KRAFT_VERSION}")
