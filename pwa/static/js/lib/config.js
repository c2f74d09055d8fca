// The page's settings rendered by the server into <script id="page-config"> (language, strings, time zone).
const element = typeof document !== 'undefined' ? document.getElementById('page-config') : null;

export const config = element ? JSON.parse(element.textContent) : {
  lang: 'fa', dir: 'rtl', intlLocale: 'fa-IR', timezone: 'Asia/Tehran', strings: {}, tileUrl: '', version: '',
};
