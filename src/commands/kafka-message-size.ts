import kafkajs, { type Admin, type Message, type Producer } from 'kafkajs';

// kafkajs is CommonJS: Node's ESM loader sees only some of its named exports (not the config enums).
const { CompressionTypes, ConfigResourceTypes, ConfigSource } = kafkajs;

/**
 * How large a message on the commands and replies topics may be. A batch of 8,190 items is about
 * 1.5 MB of command and ten times that of reply (each item's events, with their envelopes): more
 * than a broker's default 1 MB (message.max.bytes). The topics are created, or raised, to this
 * max.message.bytes, and large sends are gzip-compressed (the limit counts compressed bytes), so the
 * usual reply of a full batch is a few MB on the wire. Consumers keep their fetch sizes: a broker
 * hands over a record batch larger than the fetch size whole.
 */
export const COMMAND_MESSAGE_MAX_BYTES = 64 * 1024 * 1024;

/** Sends smaller than this go uncompressed (the common single command: no CPU spent on it). */
const COMPRESS_ABOVE_BYTES = 64 * 1024;

/** One send carries at most this many bytes of values (uncompressed), so many large replies never make one oversized record batch. */
const SEND_MAX_BYTES = 16 * 1024 * 1024;

/** The topic config entries that carry the size. */
export const messageSizeConfig = (): Array<{ name: string; value: string }> => [{ name: 'max.message.bytes', value: String(COMMAND_MESSAGE_MAX_BYTES) }];

/**
 * Raises max.message.bytes on topics created before it was set (or by hand) when theirs is lower.
 * alterConfigs replaces a topic's own settings as a whole, so the ones set on the topic are sent back with it.
 */
export async function raiseMessageSize(admin: Admin, topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })) });
  const resources = described.resources
    .filter((r) => Number(r.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue ?? 0) < COMMAND_MESSAGE_MAX_BYTES)
    .map((r) => ({
      type: ConfigResourceTypes.TOPIC,
      name: r.resourceName,
      configEntries: [...r.configEntries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && e.configName !== 'max.message.bytes').map((e) => ({ name: e.configName, value: e.configValue })), ...messageSizeConfig()],
    }));
  if (resources.length) await admin.alterConfigs({ validateOnly: false, resources });
}

/** Sends messages in as few sends as fit SEND_MAX_BYTES each, compressing the large ones. */
export async function sendSized(producer: Producer, topic: string, messages: Array<Message & { value: string }>): Promise<void> {
  let chunk: typeof messages = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    await producer.send({ topic, acks: -1, messages: chunk, compression: bytes > COMPRESS_ABOVE_BYTES ? CompressionTypes.GZIP : CompressionTypes.None });
    chunk = [];
    bytes = 0;
  };
  for (const message of messages) {
    const size = Buffer.byteLength(message.value);
    if (bytes > 0 && bytes + size > SEND_MAX_BYTES) await flush();
    chunk.push(message);
    bytes += size;
  }
  await flush();
}
