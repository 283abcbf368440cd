/**
 * Side-effect entry: `node --import ./dist/dev/functions-host/register.js app.js`, or the first
 * import of a start script, so the capture is in place before any module loads @azure/functions
 * (ESM evaluates a module's imports, in order, before its body).
 */
import { installCapture } from './capture.js';

installCapture();
