/** The terminal's screens: language first (so the first paint is in the cashier's language), then the bridge, then React. */
import '../zod-setup.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { pageBridge, reloadOnNewSecret } from '../bridge/page-bridge.js';
import { createI18n } from '../i18n/i18n.js';
import { rememberLanguage, storedLanguage } from '../i18n/language-preference.js';
import { App } from './app.js';

const lang = storedLanguage();
document.documentElement.lang = lang;
const i18n = createI18n(lang);
i18n.on('languageChanged', (next) => {
  document.documentElement.lang = next;
});
rememberLanguage(lang);
const page = pageBridge();
reloadOnNewSecret();
const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App page={page} i18n={i18n} />
  </StrictMode>,
);
