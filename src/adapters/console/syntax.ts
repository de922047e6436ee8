/**
 * The console types the core's text grammar as declared (`/help` included), and names channels `#general`:
 * a console "channel" is a word, and scheduled posts to it are printed.
 */
import { textSyntax, type SyntaxFactory } from '../../core/syntax.js';

export const consoleSyntax: SyntaxFactory = () => ({ ...textSyntax('console'), admins: 'the person running this console' });
