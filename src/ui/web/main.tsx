/** The page of `probing ui` (bundled into dist/ui/ by scripts/build-ui.mjs). */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) render(<App />, root);
