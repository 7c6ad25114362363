/* Special:Upload: send files to api.php in chunks, with progress bars, warnings and resume.
 *
 * Requests go through api-client.js (the wiki's own api.php, the session cookie, a CSRF
 * token from meta=tokens), so uploads get exactly the API's checks. Texts come from the
 * page (the JSON in #upload-config), never from this file.
 */
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('upload-config').textContent);
  var POLL_INTERVAL = 1000;
  var POLL_LIMIT = 1800;              // polls before giving up on a job (about 30 minutes)

  var form = document.getElementById('upload-form');
  var input = document.getElementById('wpUploadFile');
  var dropZone = document.getElementById('drop-zone');
  var queueList = document.getElementById('upload-queue');
  var queueEmpty = document.getElementById('queue-empty');
  var description = document.getElementById('wpUploadDescription');
  var submit = document.getElementById('upload-submit');
  var batchProgress = document.getElementById('batch-progress');
  var batchStatus = document.getElementById('batch-status');
  var rowTemplate = document.getElementById('file-row');

  var items = [];
  var running = false;
  var api = window.wikiuploadApi({
    url: config.api,
    lang: config.lang,
    networkError: function () { return msg('wikiupload-network-error'); },
    onOffline: function (item) { setStatus(item, msg('wikiupload-status-offline')); },
    onRetry: function (item, attempt, seconds) {
      setStatus(item, msg('wikiupload-status-retrying', attempt, seconds));
    }
  });
  var warningsBox = window.wikiuploadWarnings(msg);
  var ApiFailure = api.ApiFailure;
  var plain = api.plain;
  var post = api.post;
  var sleep = api.sleep;

  // -- texts -------------------------------------------------------------------------

  function msg(key) {
    var text = config.messages[key] || key;
    for (var i = 1; i < arguments.length; i++) {
      text = text.split('$' + i).join(String(arguments[i]));
    }
    return plain(text);
  }

  function formatSize(bytes) {
    var units = ['B', 'KB', 'MB', 'GB'];
    var value = bytes;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return value.toLocaleString(config.lang, { maximumFractionDigits: 1 }) + ' ' + units[unit];
  }

  function filePageUrl(name) {
    return config.filePage.replace('$1', encodeURIComponent(name.replace(/ /g, '_')));
  }

  // -- one file ----------------------------------------------------------------------

  function Item(file) {
    this.file = file;
    this.offset = 0;          // bytes the server has
    this.sent = 0;            // bytes sent, counting the chunk in flight
    this.filekey = null;
    this.stashed = false;
    this.state = 'waiting';
    this.row = rowTemplate.content.firstElementChild.cloneNode(true);
    var index = items.length;
    this.row.querySelector('.source-name').textContent = file.name;
    this.row.querySelector('.source-size').textContent = '(' + formatSize(file.size) + ')';
    var dest = this.row.querySelector('.dest-name');
    var label = this.row.querySelector('.dest-label');
    dest.id = 'wpDestFile-' + index;
    label.htmlFor = dest.id;
    dest.value = (index === 0 && config.destination) ? config.destination : file.name;
    this.dest = dest;
    this.bar = this.row.querySelector('.file-progress');
    this.bar.setAttribute('aria-label', msg('wikiupload-file-progress', file.name));
    this.status = this.row.querySelector('.file-status');
    this.warning = this.row.querySelector('.file-warning');
    var self = this;
    this.row.querySelector('.remove').addEventListener('click', function () {
      if (self.state === 'waiting' || self.state === 'cancelled' || self.state === 'failed') {
        items.splice(items.indexOf(self), 1);
        self.row.remove();
        refresh();
      }
    });
    setStatus(this, msg('wikiupload-status-waiting'));
  }

  function setStatus(item, text) {
    item.status.textContent = text;
  }

  function setBar(bar, percent) {
    var value = Math.max(0, Math.min(100, Math.round(percent)));
    bar.value = value;
    bar.setAttribute('value', String(value));
    bar.setAttribute('aria-valuenow', String(value));
  }

  function showProgress(item, sent) {
    item.sent = Math.min(sent, item.file.size);
    setBar(item.bar, item.file.size ? (100 * item.sent) / item.file.size : 100);
    var total = 0;
    var done = 0;
    items.forEach(function (each) {
      if (each.state === 'cancelled') {
        return;
      }
      total += each.file.size;
      done += each.state === 'done' ? each.file.size : each.sent;
    });
    setBar(batchProgress, total ? (100 * done) / total : 100);
    batchStatus.textContent = msg('wikiupload-batch-progress') + ': ' +
      Math.round(total ? (100 * done) / total : 100) + '%';
  }

  function useAsync(item) {
    return item.file.size > config.asyncThreshold;
  }

  function sendChunks(item) {
    if (item.stashed) {
      return Promise.resolve();
    }
    var file = item.file;
    var end = Math.min(item.offset + config.chunkSize, file.size);
    var fields = {
      action: 'upload', stash: '1', filename: item.dest.value, filesize: String(file.size),
      offset: String(item.offset)
    };
    if (item.filekey) {
      fields.filekey = item.filekey;
    }
    if (useAsync(item)) {
      fields.async = '1';
    }
    setStatus(item, msg('wikiupload-status-uploading'));
    var start = item.offset;
    return post(item, fields, file.slice(start, end), function (loaded) {
      showProgress(item, start + Math.min(loaded, end - start));
    }).then(function (data) {
      var result = data.upload;
      item.filekey = result.filekey || item.filekey;
      if (result.result === 'Continue') {
        item.offset = result.offset;
        showProgress(item, item.offset);
        return sendChunks(item);
      }
      item.offset = file.size;
      showProgress(item, file.size);
      if (result.result === 'Poll') {
        return poll(item, msg('wikiupload-status-processing')).then(function () {
          item.stashed = true;
        });
      }
      item.stashed = true;
      return undefined;
    }, function (failure) {
      // The server has a different part of the file (a reply lost on the way): go on from
      // where it is.
      if (failure instanceof ApiFailure && failure.code === 'stashfailed' &&
          failure.data && failure.data.offset !== undefined && item.filekey) {
        item.offset = Number(failure.data.offset);
        return sendChunks(item);
      }
      throw failure;
    });
  }

  function poll(item, text, count) {
    count = count || 0;
    if (count >= POLL_LIMIT) {
      return Promise.reject(new ApiFailure('timeout', msg('wikiupload-network-error'), null, false));
    }
    setStatus(item, text);
    return sleep(POLL_INTERVAL).then(function () {
      return post(item, { action: 'upload', checkstatus: '1', filekey: item.filekey });
    }).then(function (data) {
      var result = data.upload;
      if (result.result === 'Poll') {
        return poll(item, text, count + 1);
      }
      if (result.filekey) {
        item.filekey = result.filekey;
      }
      return data;
    });
  }

  function publish(item, extra) {
    var fields = Object.assign({
      action: 'upload', filekey: item.filekey, filename: item.dest.value,
      comment: description.value, text: description.value
    }, extra || {});
    if (useAsync(item)) {
      fields.async = '1';
    }
    setStatus(item, msg('wikiupload-status-publishing'));
    return post(item, fields).then(function (data) {
      if (data.upload.result === 'Poll') {
        return poll(item, msg('wikiupload-status-publishing'));
      }
      return data;
    }).then(function (data) {
      return finish(item, data.upload);
    });
  }

  function finish(item, result) {
    if (result.result === 'Warning') {
      if (result.filekey) {
        item.filekey = result.filekey;
      }
      return showWarnings(item, result.warnings || {});
    }
    item.state = 'done';
    var name = String(result.filename || item.dest.value).replace(/_/g, ' ');
    item.status.textContent = msg('wikiupload-status-done') + ' ';
    var link = document.createElement('a');
    link.href = filePageUrl(name);
    link.className = 'file-link';
    link.textContent = msg('wikiupload-view-file', name);
    item.status.appendChild(link);
    showProgress(item, item.file.size);
    return undefined;
  }

  // -- warnings: upload anyway, rename, cancel ---------------------------------------

  function showWarnings(item, warnings) {
    item.state = 'warning';
    setStatus(item, '');
    return warningsBox.ask(item.warning, warnings).then(function (choice) {
      if (choice === 'anyway') {
        item.state = 'uploading';
        return publish(item, { ignorewarnings: '1' });
      }
      if (choice === 'rename') {
        item.state = 'uploading';
        item.dest.readOnly = false;
        item.dest.focus();
        item.dest.select();
        setStatus(item, msg('destfilename'));
        return new Promise(function (resolve) {
          item.dest.addEventListener('change', function again() {
            item.dest.removeEventListener('change', again);
            resolve(publish(item));
          });
        });
      }
      item.state = 'cancelled';
      setStatus(item, msg('wikiupload-status-cancelled'));
      showProgress(item, 0);
      return undefined;
    });
  }

  // -- the queue ---------------------------------------------------------------------

  function button(text, className, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = className;
    b.textContent = text;
    b.addEventListener('click', onClick);
    return b;
  }

  function fail(item, failure) {
    item.state = 'failed';
    var text = failure instanceof ApiFailure ? failure.text : msg('wikiupload-network-error');
    setStatus(item, msg('wikiupload-status-failed', text));
    item.status.dataset.code = failure instanceof ApiFailure ? failure.code : 'unknown';
    if (item.filekey && !item.stashed && failure instanceof ApiFailure && failure.transient) {
      item.status.appendChild(document.createTextNode(' '));
      item.status.appendChild(button(msg('wikiupload-resume'), 'resume', function () {
        item.state = 'waiting';
        run();
      }));
    }
  }

  function uploadItem(item) {
    item.state = 'uploading';
    item.dest.readOnly = true;
    return sendChunks(item).then(function () {
      return publish(item);
    }).catch(function (failure) {
      fail(item, failure);
    }).then(function () {
      item.dest.readOnly = item.state !== 'done';
    });
  }

  function run() {
    if (running) {
      return;
    }
    var next = items.filter(function (item) { return item.state === 'waiting'; })[0];
    if (!next) {
      refresh();
      return;
    }
    running = true;
    refresh();
    uploadItem(next).then(function () {
      running = false;
      run();
    });
  }

  function refresh() {
    var waiting = items.some(function (item) { return item.state === 'waiting'; });
    submit.disabled = running || !waiting;
    queueEmpty.hidden = items.length > 0;
  }

  function addFiles(files) {
    Array.prototype.forEach.call(files, function (file) {
      var item = new Item(file);
      items.push(item);
      queueList.appendChild(item.row);
    });
    refresh();
  }

  input.addEventListener('change', function () {
    addFiles(input.files);
    input.value = '';
  });
  ['dragenter', 'dragover'].forEach(function (type) {
    dropZone.addEventListener(type, function (event) {
      event.preventDefault();
      dropZone.classList.add('dragging');
    });
  });
  dropZone.addEventListener('dragleave', function () { dropZone.classList.remove('dragging'); });
  dropZone.addEventListener('drop', function (event) {
    event.preventDefault();
    dropZone.classList.remove('dragging');
    if (event.dataTransfer && event.dataTransfer.files.length) {
      addFiles(event.dataTransfer.files);
    }
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    run();
  });
  refresh();
}());
