// Types for boundaries.js (plain JS, so eslint.config.js can import it without a build).
import type { Linter } from 'eslint';

export declare const emulatorBoundaries: Linter.Config[];
