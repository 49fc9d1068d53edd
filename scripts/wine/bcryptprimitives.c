/*
 * A stand-in for Windows' bcryptprimitives.dll, for running Go programs
 * under Wine 8 (Debian 12's), which lacks it. Go's runtime (1.22 and
 * later) takes its random bytes from ProcessPrng there; Windows 10 and
 * later have the real DLL, so this file is used only by the Wine smoke
 * test (scripts/wine-smoke.sh) and is never shipped.
 *
 * ProcessPrng fills data with len random bytes from RtlGenRandom
 * (advapi32's SystemFunction036), which Wine provides.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
