// @ts-check
// The rescue screen: the local database did not open. It says what is wrong and what to
// do, and offers the copies of this station; nothing else of the window starts.
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { fecha } from '../shared/fecha.js';
import { $ } from '../shared/dom.js';

/** @typedef {import('../types/ipc').StartupProblem} StartupProblem */

const t = textos.rescate;

/** Shows `problem` alone in the window. @param {StartupProblem} problem */
export function mostrarRescate(problem) {
  $('acceso').hidden = true;
  $('aplicacion').hidden = true;
  $('rescate').hidden = false;
  document.body.dataset.rescate = problem.kind;
  $('rescate-mensaje').textContent = problem.message;
  const form = $('form-rescate', 'form');
  form.hidden = problem.backups.length === 0;
  $('rescate-carpeta').textContent = t.carpeta(problem.backup_folder);
  $('rescate-copia', 'select').replaceChildren(...problem.backups.map((c) => {
    const option = document.createElement('option');
    option.value = c.file_name;
    option.textContent = t.copia(c, fecha);
    return option;
  }));
  $('rescate-confirmar').hidden = true;
}

export function initRescate() {
  $('form-rescate').addEventListener('submit', (ev) => {
    ev.preventDefault();
    $('rescate-confirmar-texto').textContent = t.confirmar($('rescate-copia', 'select').value);
    $('rescate-confirmar').hidden = false;
    $('rescate-si').focus();
  });
  $('rescate-no').addEventListener('click', () => {
    $('rescate-confirmar').hidden = true;
    $('rescate-restaurar').focus();
  });
  $('rescate-si').addEventListener('click', restaurar);
}

async function restaurar() {
  const result = $('rescate-resultado');
  const error = $('error-rescate-copia');
  error.textContent = '';
  $('rescate-confirmar').hidden = true;
  result.textContent = t.restaurando;
  result.hidden = false;
  try {
    const still = await api.restoreAtStartup($('rescate-copia', 'select').value);
    if (still) {
      result.hidden = true;
      mostrarRescate(still);
      return;
    }
    result.textContent = t.lista;
    window.location.reload();
  } catch (e) {
    result.hidden = true;
    error.textContent = asError(e, textos.general.errorInesperado).message;
    $('rescate-copia').focus();
  }
}
