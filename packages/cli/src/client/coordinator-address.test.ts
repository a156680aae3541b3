import { describe, expect, it } from 'vitest';
import { UsageError } from '../cli-errors';
import { coordinatorAddress, DEFAULT_COORDINATOR } from './coordinator-address';

describe('coordinatorAddress', () => {
  it('takes --coordinator, then COORDINATOR_ADDR, then 127.0.0.1:50051', () => {
    expect(coordinatorAddress('10.0.0.5:7000', { COORDINATOR_ADDR: 'other:1' })).toBe('10.0.0.5:7000');
    expect(coordinatorAddress(undefined, { COORDINATOR_ADDR: ' coord.svc:50051 ' })).toBe('coord.svc:50051');
    expect(coordinatorAddress(undefined, { COORDINATOR_ADDR: '' })).toBe(DEFAULT_COORDINATOR);
    expect(coordinatorAddress(undefined, {})).toBe('127.0.0.1:50051');
    expect(coordinatorAddress('[::1]:50051', {})).toBe('[::1]:50051');
  });

  it.each([
    ['localhost', '--coordinator', 'localhost'],
    ['host:0', '--coordinator', 'host:0'],
    ['host:70000', '--coordinator', 'host:70000'],
    ['http://host:1', '--coordinator', 'http://host:1'],
  ])('refuses %s, naming where it came from', (value, source, shown) => {
    expect(() => coordinatorAddress(value, {})).toThrow(UsageError);
    expect(() => coordinatorAddress(value, {})).toThrow(`${source} must be host:port (e.g. 127.0.0.1:50051), got '${shown}'`);
  });

  it('names COORDINATOR_ADDR when the environment is wrong', () => {
    expect(() => coordinatorAddress(undefined, { COORDINATOR_ADDR: 'nope' })).toThrow("COORDINATOR_ADDR must be host:port (e.g. 127.0.0.1:50051), got 'nope'");
  });
});
