"""The /opt/kafka/bin scripts of the Kafka stand-in image.

They are not in any jar, so the lab writes small equivalents.  Each tool's main class
moved between packages across Kafka versions: the first candidate present in the
jars is used, and a tool with none is left out (as the real distribution would).
"""

from pathlib import Path

TOOLS = {
    "kafka-server-start.sh": ["kafka.Kafka"],
    "kafka-storage.sh": ["kafka.tools.StorageTool"],
    "kafka-topics.sh": ["org.apache.kafka.tools.TopicCommand", "kafka.admin.TopicCommand"],
    "kafka-configs.sh": ["org.apache.kafka.tools.ConfigCommand", "kafka.admin.ConfigCommand"],
    "kafka-console-producer.sh": ["org.apache.kafka.tools.ConsoleProducer", "kafka.tools.ConsoleProducer"],
    "kafka-console-consumer.sh": ["org.apache.kafka.tools.consumer.ConsoleConsumer", "kafka.tools.ConsoleConsumer"],
    "kafka-consumer-groups.sh": ["org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "kafka.admin.ConsumerGroupCommand"],
    "kafka-producer-perf-test.sh": ["org.apache.kafka.tools.ProducerPerformance"],
    "kafka-consumer-perf-test.sh": ["org.apache.kafka.tools.ConsumerPerformance", "kafka.tools.ConsumerPerformance"],
    "kafka-metadata-quorum.sh": ["org.apache.kafka.tools.MetadataQuorumCommand"],
    "kafka-broker-api-versions.sh": ["org.apache.kafka.tools.BrokerApiVersionsCommand", "kafka.admin.BrokerApiVersionsCommand"],
    "kafka-reassign-partitions.sh": ["org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "kafka.admin.ReassignPartitionsCommand"],
    "kafka-cluster.sh": ["org.apache.kafka.tools.ClusterTool"],
    "zookeeper-server-start.sh": ["org.apache.zookeeper.server.quorum.QuorumPeerMain"],
    "zookeeper-shell.sh": ["org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka", "org.apache.zookeeper.ZooKeeperMain"],
}

# Arguments a tool's script puts before the user's, as Kafka's own scripts do.
LEADING_ARGUMENTS = {"zookeeper-shell.sh": "-server "}

# Daemons log with the server configuration; every other tool with the tools one.
DAEMONS = {"kafka-server-start.sh": "kafkaServer", "zookeeper-server-start.sh": "zookeeper"}

RUN_CLASS = """#!/usr/bin/env bash
# kafka-run-class.sh of the lab's stand-in: same environment variables as Kafka's own.
set -e
base_dir=/opt/kafka
if [ "$1" = "-name" ]; then daemon_name=$2; shift 2; fi
if [ -z "${{KAFKA_HEAP_OPTS-}}" ]; then KAFKA_HEAP_OPTS="-Xmx256M"; fi
if [ -z "${{KAFKA_JVM_PERFORMANCE_OPTS-}}" ]; then
  KAFKA_JVM_PERFORMANCE_OPTS="-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35"
  KAFKA_JVM_PERFORMANCE_OPTS="$KAFKA_JVM_PERFORMANCE_OPTS -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true"
fi
if [ -n "${{JMX_PORT-}}" ]; then KAFKA_JMX_OPTS="${{KAFKA_JMX_OPTS-}} -Dcom.sun.management.jmxremote.port=$JMX_PORT"; fi
if [ -z "${{KAFKA_LOG4J_OPTS-}}" ]; then KAFKA_LOG4J_OPTS="{tools_log4j}"; fi
# KAFKA_OPTS reaches every tool, as in Kafka's own script: keep javaagents out of it for CLI runs.
exec java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${{KAFKA_JMX_OPTS-}} $KAFKA_LOG4J_OPTS ${{KAFKA_OPTS-}} \\
  -Dkafka.logs.dir="${{LOG_DIR:-$base_dir/logs}}" -cp "$base_dir/libs/*" "$@"
"""

TOOL = """#!/usr/bin/env bash
exec /opt/kafka/bin/kafka-run-class.sh {main_class} {leading}"$@"
"""

DAEMON = """#!/usr/bin/env bash
if [ $# -lt 1 ]; then echo "USAGE: $0 server.properties [--override property=value]*" >&2; exit 1; fi
export KAFKA_HEAP_OPTS="${{KAFKA_HEAP_OPTS:-{heap}}}"
export KAFKA_LOG4J_OPTS="${{KAFKA_LOG4J_OPTS:-{server_log4j}}}"
exec /opt/kafka/bin/kafka-run-class.sh -name {name} {main_class} "$@"
"""


def log4j_options(version, tools):
    """Kafka 4.x logs through log4j2 (YAML), 3.x through reload4j (properties)."""
    if version.startswith("3."):
        name = "tools-log4j.properties" if tools else "log4j.properties"
        return f"-Dlog4j.configuration=file:/opt/kafka/config/{name}"
    name = "tools-log4j2.yaml" if tools else "log4j2.yaml"
    return f"-Dlog4j2.configurationFile=/opt/kafka/config/{name}"


def write_scripts(directory, classes, version):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    scripts = {"kafka-run-class.sh": RUN_CLASS.format(tools_log4j=log4j_options(version, tools=True))}
    for script, candidates in TOOLS.items():
        main_class = next((name for name in candidates if name in classes), None)
        if main_class is None:
            continue
        if script in DAEMONS:
            heap = "-Xmx1G -Xms1G" if script == "kafka-server-start.sh" else "-Xmx512M -Xms512M"
            scripts[script] = DAEMON.format(heap=heap, server_log4j=log4j_options(version, tools=False), name=DAEMONS[script], main_class=main_class)
        else:
            scripts[script] = TOOL.format(main_class=main_class, leading=LEADING_ARGUMENTS.get(script, ""))
    for script, text in scripts.items():
        path = directory / script
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)
    return sorted(scripts)
