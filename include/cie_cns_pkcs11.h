/*
 * cie_cns_pkcs11.h - C declarations for libcie_cns_pkcs11.so, the PKCS#11 module for the
 * Italian CIE 3.0 and TS-CNS / CRS smart cards.
 *
 * Use together with p11-kit's PKCS#11 header:
 *
 *     #include <p11-kit/pkcs11.h>
 *     #include "cie_cns_pkcs11.h"
 *
 *     cc ... -I include $(pkg-config --cflags p11-kit-1)
 *
 * The module exports every C_* function by name; applications normally start from one
 * of the three entry points declared here (PKCS#11 3.0 sections 5.4.4 - 5.4.6):
 *   - C_GetFunctionList:  the PKCS#11 2.40 function list (version 2.40);
 *   - C_GetInterfaceList: interface "PKCS 11" version 3.0 (CK_FUNCTION_LIST_3_0, the
 *                         default) and interface "PKCS 11" version 2.40 (CK_FUNCTION_LIST);
 *   - C_GetInterface:     one of them by name / version / flags.
 * In a CK_INTERFACE, pFunctionList points to a function list whose first member is its
 * CK_VERSION.
 */
#ifndef CIE_CNS_PKCS11_H
#define CIE_CNS_PKCS11_H

#ifndef CKR_OK
#error "include <p11-kit/pkcs11.h> (or another PKCS#11 header) before cie_cns_pkcs11.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* File name of the module. */
#define CIE_CNS_PKCS11_LIBRARY "libcie_cns_pkcs11.so"

/* Manufacturer ID reported by C_GetInfo (blank-padded to 32 bytes there). */
#define CIE_CNS_PKCS11_MANUFACTURER "cie-cns-pkcs11"

/* Name of the PKCS#11 3.0 interfaces (C_GetInterface / C_GetInterfaceList). */
#define CIE_CNS_PKCS11_INTERFACE_NAME "PKCS 11"

/*
 * Logging is off by default. Set CIE_CNS_PKCS11_LOG to a level or an env_logger filter
 * ("debug", "trace", "cie_cns_pkcs11::cryptoki=trace") to turn it on; set
 * CIE_CNS_PKCS11_LOG_FILE to a path to append to that file instead of stderr.
 * PINs are never logged.
 */
#define CIE_CNS_PKCS11_LOG_ENV "CIE_CNS_PKCS11_LOG"
#define CIE_CNS_PKCS11_LOG_FILE_ENV "CIE_CNS_PKCS11_LOG_FILE"

/*
 * PKCS#11 3.0 interface type (section 3.3 of the 3.0 base specification), for PKCS#11
 * headers older than 3.0 (p11-kit before 0.25 does not declare it).
 */
#ifndef CKF_INTERFACE_FORK_SAFE
typedef struct CK_INTERFACE {
  CK_UTF8CHAR *pInterfaceName;
  void *pFunctionList;
  CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR *CK_INTERFACE_PTR_PTR;
#define CKF_INTERFACE_FORK_SAFE (1UL << 0)
#endif

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList);
CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount);
CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                     CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags);

/* Function pointer types, for dlsym(). */
typedef CK_RV (*CIE_CNS_C_GetFunctionList)(CK_FUNCTION_LIST_PTR_PTR);
typedef CK_RV (*CIE_CNS_C_GetInterfaceList)(CK_INTERFACE_PTR, CK_ULONG_PTR);
typedef CK_RV (*CIE_CNS_C_GetInterface)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR,
                                        CK_FLAGS);

#ifdef __cplusplus
}
#endif

#endif /* CIE_CNS_PKCS11_H */
