#!/usr/bin/env node
// Counts test results in the log of one `nx run-many --outputStyle=static` run.
// Prints "<passed> <failed>".
//
// passed: Jest tests that passed.
// failed: Jest tests that failed; a suite that failed without a failing test (e.g. it did not
// compile) counts once; so does every failed Nx task without Jest failures of its own (lint,
// build, a crash) and every task Nx skipped because a dependency failed.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: summarize-tests.mjs <nx-log-file>');
  process.exit(2);
}

// eslint-disable-next-line no-control-regex
const ansi = /\x1b\[[0-9;?]*[A-Za-z]/g;
const lines = readFileSync(file, 'utf8').replace(ansi, '').split(/\r?\n/);

const count = (text, word) => Number(new RegExp(`(\\d+) ${word}`).exec(text)?.[1] ?? 0);

/** @type {Map<string, { passed: number, testsFailed: number, suitesFailed: number }>} */
const tasks = new Map();
const failedTasks = new Set();
const skippedTasks = new Set();
let current;
/** @type {Set<string> | undefined} */
let list;
let listStarted = false;

for (const raw of lines) {
  const line = raw.trim();
  const run = /^> nx run (\S+)/.exec(line);
  if (run) {
    current = { passed: 0, testsFailed: 0, suitesFailed: 0 };
    tasks.set(run[1], current);
    list = undefined;
    continue;
  }
  if (line.startsWith('Failed tasks:')) {
    list = failedTasks;
    listStarted = false;
    continue;
  }
  if (line.startsWith('Tasks not run because')) {
    list = skippedTasks;
    listStarted = false;
    continue;
  }
  if (list) {
    const item = /^- (\S+)$/.exec(line);
    if (item) {
      list.add(item[1]);
      listStarted = true;
    } else if (line === '' && listStarted) {
      list = undefined;
    }
    continue;
  }
  if (!current) continue;
  const tests = /^Tests:\s+(.*)$/.exec(line);
  if (tests) {
    current.passed += count(tests[1], 'passed');
    current.testsFailed += count(tests[1], 'failed');
  }
  const suites = /^Test Suites:\s+(.*)$/.exec(line);
  if (suites) current.suitesFailed += count(suites[1], 'failed');
}

let passed = 0;
let failed = 0;
for (const [id, t] of tasks) {
  passed += t.passed;
  const jestFailures = Math.max(t.testsFailed, t.suitesFailed);
  failed += jestFailures;
  if (failedTasks.has(id) && jestFailures === 0) failed += 1;
}
// A failed task whose output block was not found still counts.
for (const id of failedTasks) if (!tasks.has(id)) failed += 1;
failed += skippedTasks.size;

console.log(`${passed} ${failed}`);
