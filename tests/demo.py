"""`make demo`: the platform on local lab hosts.

Builds the lab when needed, then runs Molecule's `default` scenario without destroying it:
playbooks/site.yml converges a Debian 13 lab host, the scenario's verify checks it end to
end, and the end prints where everything is.  `make demo-down` removes the host.
"""

import json
import subprocess
import sys

from tests import ci

SCENARIO = "default"


def molecule(*args):
    env = ci.tool_env(ci.lab_env())
    return ci.run(["molecule", *args, "-s", SCENARIO], env=env)


def instance_addresses():
    """Name and bridge address of each instance of the scenario (as `molecule list` names them)."""
    listing = subprocess.run(["molecule", "list", "-s", SCENARIO, "-f", "plain"], env=ci.tool_env(), capture_output=True, text=True, check=False)
    addresses = {}
    for name in [line.split()[0] for line in listing.stdout.splitlines() if line.strip()]:
        inspected = subprocess.run(["docker", "inspect", name], capture_output=True, text=True, check=False)
        if inspected.returncode == 0:
            networks = json.loads(inspected.stdout)[0]["NetworkSettings"]["Networks"]
            addresses[name] = next(iter(networks.values()))["IPAddress"]
    return addresses


def up():
    steps = ["tool venv", "lab (engine, registry, images)", "create the lab host", "converge playbooks/site.yml", "verify"]
    actions = [ci.stage_venv, ci.stage_lab, lambda: molecule("create"), lambda: molecule("converge"), lambda: molecule("verify")]
    for index, (title, action) in enumerate(zip(steps, actions), 1):
        print(f"\n[demo {index}/{len(steps)}] {title}", flush=True)
        if not action():
            print(
                f"\ndemo failed at: {title}. The output above says why; fix it and run `make demo` again "
                "(finished steps are cached). `make demo-down` removes the lab host.",
                file=sys.stderr,
            )
            return 1
    print("\nThe platform is up on these lab hosts:")
    for name, address in instance_addresses().items():
        print(f"  {name}: Kafka bootstrap {address}:9092   (try: kcat -b {address}:9092 -L)")
        print(f"  {name}: broker metrics (JMX exporter) http://{address}:9404/metrics")
        print(f"  {name}: Kafka through Traefik {address}:19092   (every broker advertised at {address}:19092+id)")
        print(f"  {name}: Traefik metrics http://{address}:8082/metrics, health http://{address}:8082/ping")
        print(f"  {name}: Traefik dashboard http://127.0.0.1:8080/dashboard/ on the host only (user verify,")
        print("      password verify-only-password: the scenario's test user), e.g. through ssh -L 8080:127.0.0.1:8080")
        print(f"  {name}: event gateway https://{address}:8000/topics/<topic> through Traefik (self-signed; the scenario's")
        print("      source: Authorization: Bearer verify-only-key, topics eda-gw-* and eda-events)")
        print(f"  {name}: gateway replicas http://{address}:18081/metrics and :18082, workers http://{address}:19101/metrics")
        print("      and :19102 (eda-events -> eda-events.handled, failures to eda-events.dead-letter)")
        print(f"  {name}: consumer lag (kafka_exporter's names) http://{address}:9308/metrics")
        print(f"  {name}: Prometheus http://127.0.0.1:9090 and Alertmanager http://127.0.0.1:9093 on the host only")
        print("      (no login of their own); Grafana is off in the lab (no image), its dashboard's queries are checked")
    print("Check it again: molecule verify -s default   |   log in: molecule login -s default   |   remove it: make demo-down")
    return 0


def down():
    return 0 if molecule("destroy") else 1


if __name__ == "__main__":
    sys.exit({"up": up, "down": down}[sys.argv[1] if len(sys.argv) > 1 else "up"]())
