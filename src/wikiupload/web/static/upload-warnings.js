/* Upload warnings in plain words, with the choices MediaWiki offers: upload anyway, upload
 * under another name, or cancel.
 *
 * window.wikiuploadWarnings(msg) -> {ask(box, warnings)}
 *   msg(key, ...params): a text of the page; warnings: the API's {code: detail}
 *   ask() fills the box and resolves to 'anyway', 'rename' or 'cancel'.
 */
(function () {
  'use strict';

  // Warning codes of action=upload and the texts that explain them.
  var WARNING_KEYS = {
    'exists': 'fileexists',
    'duplicate': 'file-exists-duplicate',
    'duplicate-archive': 'file-deleted-duplicate',
    'was-deleted': 'filewasdeleted',
    'badfilename': 'badfilename',
    'large-file': 'large-file',
    'emptyfile': 'emptyfile',
    'exists-normalized': 'fileexists-extension',
    'nochange': 'fileexists-no-change',
    'duplicateversions': 'fileexists-duplicate-version',
    'page-exists': 'filepageexists',
    'thumb': 'file-thumbnail-no',
    'thumb-name': 'file-thumbnail-no',
    'bad-prefix': 'filename-bad-prefix'
  };

  function rawDetailText(detail) {
    if (Array.isArray(detail)) {
      return detail.map(function (each) {
        return typeof each === 'object' ? (each.name || JSON.stringify(each)) : String(each);
      }).join(', ');
    }
    if (detail && typeof detail === 'object') {
      return Object.keys(detail).map(function (k) { return detail[k]; }).join(', ');
    }
    return detail === undefined || detail === null || detail === '' ? '' : String(detail);
  }

  // Warning details name files by their database keys: show them with spaces.
  function detailText(detail) {
    return rawDetailText(detail).replace(/_/g, ' ');
  }

  function button(text, className, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = className;
    b.textContent = text;
    b.addEventListener('click', onClick);
    return b;
  }

  window.wikiuploadWarnings = function (msg) {
    function warningText(code, detail) {
      var key = WARNING_KEYS[code];
      var text = detailText(detail);
      if (!key) {
        return msg('wikiupload-warning-other', code);
      }
      var shown = msg(key, text, text);
      if (shown.indexOf(text) === -1 && text) {
        shown += ' ' + text;
      }
      return shown;
    }

    function ask(box, warnings) {
      box.textContent = '';
      var heading = document.createElement('p');
      heading.className = 'warning-heading';
      heading.textContent = msg('uploadwarning');
      box.appendChild(heading);
      var list = document.createElement('ul');
      Object.keys(warnings).forEach(function (code) {
        var entry = document.createElement('li');
        entry.className = 'warning-' + code;
        entry.textContent = warningText(code, warnings[code]);
        list.appendChild(entry);
      });
      box.appendChild(list);
      return new Promise(function (resolve) {
        function choose(choice) {
          return function () {
            box.hidden = true;
            box.textContent = '';
            resolve(choice);
          };
        }
        var choices = document.createElement('div');
        choices.className = 'choices';
        choices.appendChild(button(msg('ignorewarning'), 'upload-anyway', choose('anyway')));
        choices.appendChild(button(msg('wikiupload-rename'), 'rename', choose('rename')));
        choices.appendChild(button(msg('cancel'), 'cancel', choose('cancel')));
        box.appendChild(choices);
        box.hidden = false;
        choices.firstChild.focus();
      });
    }

    return { ask: ask };
  };
}());
