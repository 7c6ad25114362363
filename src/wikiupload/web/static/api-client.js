/* Talking to the wiki's api.php from the pages: JSON (formatversion 2) with errors as plain
 * text in the page language, the session cookie, a CSRF token from meta=tokens, upload
 * progress, and retries with back-off while a failure is passing (a lost connection, a
 * server error, rate limits) or the browser is offline.
 *
 * window.wikiuploadApi(options) -> {post, send, sleep, plain, ApiFailure}
 *   options.url, options.lang: api.php and the language of its messages
 *   options.networkError(): the text for "the server could not be reached"
 *   options.onRetry(context, attempt, seconds), options.onOffline(context): progress news
 */
(function () {
  'use strict';

  var MAX_RETRIES = 5;
  var MAX_DELAY = 30000;
  var TRANSIENT_CODES = ['ratelimited', 'readonly', 'maxlag', 'internal_api_error'];

  function ApiFailure(code, text, data, transient) {
    this.code = code;
    this.text = text;
    this.data = data || {};
    this.transient = transient;
  }

  // Wikitext links and emphasis as plain words: [[:File:A.png]] -> File:A.png
  function plain(text) {
    return String(text)
      .replace(/\[\[:?(?:[^|\]]*\|)?([^\]]*)\]\]/g, '$1')
      .replace(/\[(?:https?:)?\/\/\S+ ([^\]]*)\]/g, '$1')
      .replace(/'''|''/g, '')
      .replace(/<[^>]*>/g, '');
  }

  function isTransientCode(code) {
    return TRANSIENT_CODES.some(function (prefix) { return code.indexOf(prefix) === 0; });
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function waitOnline() {
    if (navigator.onLine) {
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      window.addEventListener('online', function once() {
        window.removeEventListener('online', once);
        resolve();
      });
    });
  }

  window.wikiuploadApi = function (options) {
    var token = null;

    function lost() {
      return new ApiFailure('http', options.networkError(), null, true);
    }

    function send(method, fields, blob, onProgress) {
      return new Promise(function (resolve, reject) {
        var xhr = new XMLHttpRequest();
        var body = new FormData();
        var params = Object.assign({
          format: 'json', formatversion: '2', errorformat: 'plaintext', uselang: options.lang
        }, fields);
        var url = options.url;
        if (method === 'GET') {
          url += '?' + new URLSearchParams(params).toString();
        } else {
          Object.keys(params).forEach(function (name) { body.append(name, params[name]); });
          if (blob) {
            body.append('chunk', blob, 'chunk');
          }
        }
        xhr.open(method, url);
        xhr.responseType = 'text';
        if (onProgress && xhr.upload) {
          xhr.upload.addEventListener('progress', function (event) { onProgress(event.loaded); });
        }
        xhr.onerror = xhr.ontimeout = xhr.onabort = function () { reject(lost()); };
        xhr.onload = function () {
          var data;
          try {
            data = xhr.status >= 500 ? null : JSON.parse(xhr.responseText);
          } catch (e) {
            data = null;
          }
          if (!data) {
            reject(lost());
          } else if (data.errors && data.errors.length) {
            var error = data.errors[0];
            reject(new ApiFailure(error.code, plain(error.text || error.code), error.data,
              isTransientCode(error.code)));
          } else {
            resolve(data);
          }
        };
        xhr.send(method === 'GET' ? null : body);
      });
    }

    function fetchToken() {
      return send('GET', { action: 'query', meta: 'tokens', type: 'csrf' }).then(function (data) {
        token = data.query.tokens.csrftoken;
        return token;
      });
    }

    // A token-carrying POST, retried with back-off while the failure is passing; a stale
    // token is fetched again once. ``context`` is handed back to the progress callbacks.
    function post(context, fields, blob, onProgress) {
      var attempt = 0;
      var renewed = false;
      function tryOnce() {
        var ready = token ? Promise.resolve(token) : fetchToken();
        return ready.then(function (current) {
          return send('POST', Object.assign({}, fields, { token: current }), blob, onProgress);
        }).catch(function (failure) {
          if (!(failure instanceof ApiFailure)) {
            throw failure;
          }
          if (failure.code === 'badtoken' && !renewed) {
            renewed = true;
            token = null;
            return tryOnce();
          }
          if (!failure.transient) {
            throw failure;
          }
          if (!navigator.onLine) {
            options.onOffline(context);
            return waitOnline().then(tryOnce);
          }
          attempt++;
          if (attempt > MAX_RETRIES) {
            throw failure;
          }
          var delay = Math.min(MAX_DELAY, 1000 * Math.pow(2, attempt - 1));
          options.onRetry(context, attempt, Math.round(delay / 1000));
          return sleep(delay).then(waitOnline).then(tryOnce);
        });
      }
      return tryOnce();
    }

    return { post: post, send: send, sleep: sleep, plain: plain, ApiFailure: ApiFailure };
  };
}());
