/*
 * bcryptprimitives.dll for Wine 8 (Debian 12's wine64), which does not have it: Rust's
 * standard library takes its random bytes from ProcessPrng there, so no Rust program
 * starts without it. Windows 10 and 11 have the real one, and so does Wine 9 and later;
 * scripts/windows-tests-under-wine.sh installs this one into the test prefix only.
 * It answers from RtlGenRandom (advapi32's SystemFunction036), the system's CSPRNG.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
