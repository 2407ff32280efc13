export * from './lr-schedule.js';
