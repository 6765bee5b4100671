import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTurnQueue } from './turn-queue.js';

test('the turn queue runs one turn per scheduled callback, in order, and drops cancelled turns', () => {
  const pending: (() => void)[] = [];
  const q = createTurnQueue((pump) => pending.push(pump));
  const ran: string[] = [];
  const a = () => ran.push('a');
  const b = () => ran.push('b');
  const c = () => ran.push('c');
  q.enqueue(a);
  q.enqueue(b);
  q.enqueue(a); // already queued: keeps its place
  q.enqueue(c);
  q.cancel(b);
  assert.equal(pending.length, 1, 'one callback scheduled at a time');
  assert.equal(q.size, 2);
  pending.shift()!();
  assert.deepEqual(ran, ['a']);
  assert.equal(pending.length, 1, 'the next turn gets a callback of its own');
  pending.shift()!();
  assert.deepEqual(ran, ['a', 'c']);
  assert.equal(pending.length, 0, 'nothing left, nothing scheduled');
  q.enqueue(b);
  assert.equal(pending.length, 1);
  pending.shift()!();
  assert.deepEqual(ran, ['a', 'c', 'b']);
});

test('a turn that throws does not stall the queue', () => {
  const pending: (() => void)[] = [];
  const q = createTurnQueue((pump) => pending.push(pump));
  const ran: string[] = [];
  q.enqueue(() => {
    throw new Error('boom');
  });
  q.enqueue(() => ran.push('next'));
  assert.throws(() => pending.shift()!());
  assert.equal(pending.length, 1);
  pending.shift()!();
  assert.deepEqual(ran, ['next']);
});
