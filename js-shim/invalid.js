/**
 * The INVALID_OPTIONS LoginError, made by createLoginManager (options.js) and by the
 * manager's methods (manager.js) alike: in both files that ship (scripts/bundle.js).
 */
import { LoginError } from './errors.js';

/**
 * @param {string} message what is wrong, naming the fix
 * @returns {LoginError} code INVALID_OPTIONS, message 'invalid options: ' + `message`
 */
function invalid(message) {
  return new LoginError('INVALID_OPTIONS', 'invalid options: ' + message);
}

export { invalid };
