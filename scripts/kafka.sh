#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft: broker + controller in one JVM) for development, tests and CI.
#
#   bash scripts/kafka.sh start    # fetch jars once (Maven), format storage once, start, wait for the port
#   bash scripts/kafka.sh stop     # stop the broker started from this project on KAFKA_PORT, wait for it to exit
#   bash scripts/kafka.sh status   # exit 0 when running
#
# Environment: KAFKA_PORT (default 9092; the controller listens on KAFKA_PORT+1), KAFKA_VERSION (3.9.1),
# KAFKA_HEAP (-Xmx512m), KAFKA_START_TIMEOUT (seconds, 60), KAFKA_DIR (default <project>/.kafka).
# Jars go to $KAFKA_DIR/lib (shared); each port has its own state under $KAFKA_DIR/node-<port>
# (data, logs, pid), so a test can run a private broker on another port and stop it freely.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_DIR="${KAFKA_DIR:-$ROOT/.kafka}"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
SLF4J_VERSION="${SLF4J_VERSION:-1.7.36}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT=$((PORT + 1))
HEAP="${KAFKA_HEAP:--Xmx512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
LIB="$KAFKA_DIR/lib"
NODE="$KAFKA_DIR/node-$PORT"
PID_FILE="$NODE/kafka.pid"

log() { echo "kafka.sh: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

fetch_jars() {
  if [[ -f "$LIB/.complete-$KAFKA_VERSION" ]]; then return 0; fi
  command -v mvn >/dev/null || { log "mvn not found: Maven is needed once to fetch the Kafka jars"; exit 1; }
  command -v java >/dev/null || { log "java not found (Java 17 needed)"; exit 1; }
  log "fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its dependencies into $LIB (once)"
  mkdir -p "$KAFKA_DIR"
  local pom="$KAFKA_DIR/pom.xml"
  cat >"$pom" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ledger.dev</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
  rm -rf "$LIB.tmp"
  if ! mvn -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB.tmp" >"$KAFKA_DIR/mvn.log" 2>&1; then
    log "mvn failed (full output in $KAFKA_DIR/mvn.log):"
    tail -n 40 "$KAFKA_DIR/mvn.log" >&2
    exit 1
  fi
  rm -rf "$LIB"
  mv "$LIB.tmp" "$LIB"
  touch "$LIB/.complete-$KAFKA_VERSION"
  log "$(ls "$LIB"/*.jar | wc -l) jars in $LIB"
}

write_config() {
  mkdir -p "$NODE/data" "$NODE/logs"
  cat >"$NODE/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$NODE/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
log.retention.hours=-1
PROPS
  cat >"$NODE/log4j.properties" <<L4J
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$NODE/logs/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
L4J
}

format_storage() {
  if [[ -f "$NODE/data/meta.properties" ]]; then return 0; fi
  local cluster_id
  cluster_id="$(java -cp "$LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  log "formatting $NODE/data (cluster id $cluster_id)"
  java -Dlog4j.configuration="file:$NODE/log4j.properties" -cp "$LIB/*" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$NODE/server.properties" --ignore-formatted >&2
}

start() {
  mkdir -p "$KAFKA_DIR"
  # Several test files may call start at once: one of them does the work, the others wait for it.
  exec 9>"$KAFKA_DIR/.lock-$PORT"
  flock 9
  local pid
  if pid="$(running_pid)"; then
    echo "kafka already running on 127.0.0.1:$PORT (pid $pid)"
    return 0
  fi
  if port_open "$PORT"; then
    echo "port 127.0.0.1:$PORT is already in use by a process this script did not start; assuming it is a Kafka broker"
    return 0
  fi
  fetch_jars
  write_config
  format_storage
  : >"$NODE/logs/console.log"
  # setsid + nohup: the broker outlives the shell (and the test runner) that started it.
  setsid nohup java $HEAP -Xms128m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$NODE/log4j.properties" -Dkafka.logs.dir="$NODE/logs" \
    -cp "$LIB/*" kafka.Kafka "$NODE/server.properties" </dev/null >>"$NODE/logs/console.log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  until port_open "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker exited during start; last log lines:"
      tail -n 40 "$NODE/logs/server.log" "$NODE/logs/console.log" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      log "broker did not accept connections on 127.0.0.1:$PORT within ${START_TIMEOUT}s; last log lines:"
      tail -n 40 "$NODE/logs/server.log" "$NODE/logs/console.log" >&2 2>/dev/null || true
      kill "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      exit 1
    fi
    sleep 0.2
  done
  echo "kafka started on 127.0.0.1:$PORT (pid $pid, logs in $NODE/logs)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    echo "kafka not running on 127.0.0.1:$PORT (no live pid in $PID_FILE)"
    rm -f "$PID_FILE"
    return 0
  fi
  kill "$pid"
  local deadline=$((SECONDS + ${KAFKA_STOP_TIMEOUT:-30}))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "broker (pid $pid) still alive after ${KAFKA_STOP_TIMEOUT:-30}s: SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
    sleep 0.1
  done
  rm -f "$PID_FILE"
  echo "kafka stopped (pid $pid)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if pid="$(running_pid)"; then echo "running (pid $pid) on 127.0.0.1:$PORT"; else echo "not running"; exit 1; fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
