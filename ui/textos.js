// Spanish text the scripts put on screen, one block per screen. Static labels live in
// index.html; messages about data come from the Rust side already in Spanish.
export const textos = {
  general: {
    demo: 'DEMO — Padrón de demostración con personas ficticias. Importe el padrón real en «Padrón» antes de atender afiliados.',
    errorInesperado: 'Ocurrió un error inesperado. Intente de nuevo y, si se repite, avise a soporte.',
    estado: (i) => `${i.office} · Estación ${i.workstation} · Capturista ${i.clerk} · Correos en espera: ${i.emails_waiting} · ${i.email_delivery}`,
  },
  registro: {
    revise: 'Revise los campos marcados:',
    registrando: 'Registrando…',
    registrar: 'Registrar',
    leer: 'Leer',
    leido: 'Leído',
    acepto: (titulo) => `El afiliado leyó y acepta: ${titulo}`,
    agrupacionPregunta: '¿El afiliado otorga el consentimiento para agrupar su agenda médica y recetas por núcleo familiar?',
    agrupacionSi: 'Sí, lo otorga',
    agrupacionNo: 'No lo otorga',
    quisisteDecir: (s) => `¿Quisiste decir ${s}?`,
    usar: (s) => `Usar ${s}`,
    nombre: (n) => `Afiliado: ${n}`,
    correoEnviado: (c) => `Se envió el correo de validación a ${c}. El enlace y el código sirven una sola vez.`,
    agrupacion: (si) => si
      ? 'Agrupación por núcleo familiar: otorgada.'
      : 'Agrupación por núcleo familiar: no otorgada (el afiliado verá solo su propia agenda y recetas; puede otorgarla después en ventanilla).',
    version: (d) => `Versión ${d.version} · SHA-256 ${d.sha256.slice(0, 12)}…`,
  },
  validacion: {
    validando: 'Validando…',
    validar: 'Validar',
    usuario: (u) => `Usuario: ${u}`,
    correo: (c) => `Se envió la contraseña temporal a ${c}. Deberá cambiarla al entrar por primera vez.`,
  },
  padron: {
    estado: (r) => r.total === 0
      ? 'El padrón está vacío.'
      : `${r.total.toLocaleString('es-MX')} afiliados (${r.current.toLocaleString('es-MX')} vigentes)${r.is_demo ? ' — padrón de DEMOSTRACIÓN' : ''}${r.imported_at ? ` · última importación ${new Date(r.imported_at).toLocaleString('es-MX')}` : ''}.`,
    elijaArchivo: 'Elija el archivo CSV del padrón.',
    importando: 'Importando…',
    avance: (p) => `Leídas ${p.lines_read.toLocaleString('es-MX')} líneas (${p.total_bytes ? Math.round(100 * p.bytes_read / p.total_bytes) : 0} %).`,
    totales: (r) => `Importados: ${r.imported.toLocaleString('es-MX')}. Con errores: ${r.rejected.toLocaleString('es-MX')}${r.rejected > r.errors.length ? ` (se muestran los primeros ${r.errors.length})` : ''}.${r.replaced_demo ? ' Se retiró el padrón de demostración.' : ''}`,
    sinColumna: '—',
  },
};
