import type postgres from 'postgres';

/** Distinct statements a process prepares at most; statements past it run unprepared (as before). */
const MAX_PREPARED = 500;

/**
 * drizzle runs every query through `postgres` with `prepare: false`, and for a query with parameters
 * `postgres` then takes two round trips (Parse/Describe, wait for the parameter types, then
 * Bind/Execute) and cannot pipeline it behind others on the connection. Named prepared statements
 * take one round trip and pipeline. This wraps the client (and the clients of its transactions and
 * savepoints) so that drizzle's queries are prepared, up to MAX_PREPARED distinct texts per process:
 * a text that varies with its input (an `in (…)` list of a batch's length) cannot fill the server's
 * memory with statements. The SQL and its parameters do not change, only how they travel.
 */
export function preparing(sql: postgres.Sql): postgres.Sql {
  const texts = new Set<string>();
  const prepare = (text: string): boolean => {
    if (texts.has(text)) return true;
    if (texts.size >= MAX_PREPARED) return false;
    texts.add(text);
    return true;
  };
  return wrap(sql, prepare) as postgres.Sql;
}

type Unsafe = (query: string, params?: unknown[], options?: { prepare?: boolean }) => unknown;
type Callback = (client: unknown) => unknown;

function wrap(client: object, prepare: (text: string) => boolean): object {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop === 'unsafe') {
        const unsafe = value as Unsafe;
        return (query: string, params?: unknown[], options?: { prepare?: boolean }) => unsafe.call(target, query, params, { ...options, prepare: prepare(query) });
      }
      if (prop === 'begin' || prop === 'savepoint') {
        const run = value as (...args: unknown[]) => unknown;
        // begin([options,] callback): the callback's client is wrapped the same way.
        return (...args: unknown[]) => {
          const last = args[args.length - 1];
          if (typeof last === 'function') args[args.length - 1] = (inner: object) => (last as Callback)(wrap(inner, prepare));
          return run.apply(target, args);
        };
      }
      return value;
    },
  });
}
