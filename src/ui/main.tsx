/** The UI's entry point: styles, then the app into `#app`. */

import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
