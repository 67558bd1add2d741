# Registro en Servicios en Línea, en Windows (PowerShell 5.1 o 7).
#
#   .\dev.ps1 run         abre la aplicación con la configuración de fábrica
#   .\dev.ps1 test        revisiones y pruebas (la de ventana real es solo para Linux)
#   .\dev.ps1 installer   instaladores NSIS y MSI en target\release\bundle\ (firmados para
#                         actualizaciones si TAURI_SIGNING_PRIVATE_KEY está definida)
#
# Instala con winget lo que falte (Rust, Node.js LTS). Las herramientas de compilación de
# C++ de Visual Studio («Desktop development with C++») se instalan una vez a mano.
param(
    [Parameter(Position = 0, Mandatory = $true)]
    [ValidateSet('run', 'test', 'installer')]
    [string]$Command
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Step([string]$Title, [scriptblock]$Block) {
    Write-Host "`n== $Title" -ForegroundColor Cyan
    & $Block
    if ($LASTEXITCODE -ne 0) { throw "Falló: $Title (código $LASTEXITCODE)" }
}

function Install-WithWinget([string]$Id) {
    if (-not (Get-Command winget -ErrorAction SilentlyContinue)) {
        throw "Falta $Id y no hay winget para instalarlo; instálelo a mano."
    }
    winget install --id $Id --exact --silent --accept-source-agreements --accept-package-agreements
}

function Install-Rust {
    if (-not (Get-Command cargo -ErrorAction SilentlyContinue)) {
        Install-WithWinget 'Rustlang.Rustup'
        $env:Path += ";$env:USERPROFILE\.cargo\bin"
        rustup default stable-msvc
    }
}

function Install-TauriCli {
    if (-not (Get-Command npm -ErrorAction SilentlyContinue)) {
        Install-WithWinget 'OpenJS.NodeJS.LTS'
        $env:Path += ";$env:ProgramFiles\nodejs"
    }
    if (-not (Test-Path 'node_modules\.bin\tauri.cmd')) {
        Invoke-Step 'CLI de Tauri (npm ci)' { npm ci --no-audit --no-fund }
    }
}

switch ($Command) {
    'run' {
        Install-Rust
        Invoke-Step 'Compilar y abrir la aplicación' { cargo run }
    }
    'test' {
        Install-Rust
        Invoke-Step 'Formato' { cargo fmt --all -- --check }
        Invoke-Step 'Lints' { cargo clippy --workspace --all-targets --locked -- -D warnings }
        Invoke-Step 'Pruebas' { cargo test --workspace --locked }
    }
    'installer' {
        Install-Rust
        Install-TauriCli
        # Con la clave de actualizaciones del Instituto a la mano, cada instalador sale además
        # con su firma (.sig) para latest.json; sin ella, instaladores sin firma de actualización.
        $extra = @()
        if ($env:TAURI_SIGNING_PRIVATE_KEY) {
            $extra = @('--config', 'src-tauri/actualizaciones.conf.json')
        } else {
            Write-Host 'Sin TAURI_SIGNING_PRIVATE_KEY: los instaladores no llevan firma de actualización (ver README).' -ForegroundColor Yellow
        }
        Invoke-Step 'Instaladores NSIS y MSI' { npm exec -- tauri build @extra }
        Get-ChildItem -Recurse target\release\bundle -Include *.exe, *.msi, *.sig | Select-Object FullName, Length
    }
}
