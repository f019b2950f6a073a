import { customType } from 'drizzle-orm/pg-core';
import { Dec } from '../domain/money.ts';

/** `numeric` as Dec: the driver hands numerics over as strings; they never pass through a JS number. */
export const decimal = customType<{ data: Dec; driverData: string }>({
  dataType() {
    return 'numeric';
  },
  fromDriver(value: string): Dec {
    return new Dec(value);
  },
  toDriver(value: Dec): string {
    return value.toFixed();
  },
});
