#!/usr/bin/env node
// The `peft` executable: runs the command line and exits with its code once the output is written.
import { main } from './main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
