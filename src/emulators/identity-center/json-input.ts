// Typed reads from a decoded AWS JSON request body. A member of the wrong JSON type is a
// SerializationException (as the AWS front end answers); a missing required member or a
// value outside its constraints is a ValidationException.

import { serializationError, validationError } from './aws-error.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A view of one JSON object with checked accessors. */
export class JsonInput {
  readonly raw: JsonObject;
  private readonly path: string;

  constructor(raw: JsonObject, path = '') {
    this.raw = raw;
    this.path = path;
  }

  private name(member: string): string {
    return this.path === '' ? member : `${this.path}.${member}`;
  }

  has(member: string): boolean {
    return this.raw[member] !== undefined && this.raw[member] !== null;
  }

  optString(member: string): string | undefined {
    const value = this.raw[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string')
      throw serializationError(`${this.name(member)} must be a string`);
    return value;
  }

  string(member: string): string {
    const value = this.optString(member);
    if (value === undefined) throw validationError(`${this.name(member)} is required`);
    if (value.length === 0) throw validationError(`${this.name(member)} must not be empty`);
    return value;
  }

  /** A required string that must be one of `allowed` (an enum of the API). */
  oneOf<T extends string>(member: string, allowed: readonly T[]): T {
    const value = this.string(member);
    const found = allowed.find((candidate) => candidate === value);
    if (found === undefined) {
      throw validationError(`${this.name(member)} must be one of ${allowed.join(', ')}`);
    }
    return found;
  }

  optInteger(member: string, min: number, max: number): number | undefined {
    const value = this.raw[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw serializationError(`${this.name(member)} must be an integer`);
    }
    if (value < min || value > max) {
      throw validationError(`${this.name(member)} must be between ${min} and ${max}`);
    }
    return value;
  }

  optObject(member: string): JsonInput | undefined {
    const value = this.raw[member];
    if (value === undefined || value === null) return undefined;
    if (!isJsonObject(value)) throw serializationError(`${this.name(member)} must be an object`);
    return new JsonInput(value, this.name(member));
  }

  object(member: string): JsonInput {
    const value = this.optObject(member);
    if (value === undefined) throw validationError(`${this.name(member)} is required`);
    return value;
  }

  optList(member: string): JsonValue[] | undefined {
    const value = this.raw[member];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw serializationError(`${this.name(member)} must be a list`);
    return value;
  }

  optObjectList(member: string): JsonInput[] | undefined {
    const list = this.optList(member);
    return list?.map((item, index) => {
      if (!isJsonObject(item))
        throw serializationError(`${this.name(member)}[${index}] must be an object`);
      return new JsonInput(item, `${this.name(member)}[${index}]`);
    });
  }

  optStringList(member: string): string[] | undefined {
    const list = this.optList(member);
    return list?.map((item, index) => {
      if (typeof item !== 'string')
        throw serializationError(`${this.name(member)}[${index}] must be a string`);
      return item;
    });
  }
}
