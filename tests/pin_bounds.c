/*
 * Bounds before copies (issue #11): a caller whose ulPinLen is longer than its buffer, the
 * buffer ending right before an unmapped page. The module must check the length against
 * the card's longest PIN before reading: the call fails, the process does not crash.
 * Usage: pin_bounds /path/to/module.so (a TS-CNS in the first slot with a token).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "load_module.h"

static int failures = 0;

#define CHECK_RV(call, expected)                                                      \
  do {                                                                                \
    CK_RV rv_ = (call);                                                               \
    if (rv_ != (CK_RV)(expected)) {                                                   \
      fprintf(stderr, "FAIL %s = 0x%lx, expected 0x%lx\n", #call, (unsigned long)rv_, \
              (unsigned long)(expected));                                             \
      failures++;                                                                     \
    }                                                                                 \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  CK_FUNCTION_LIST *p11 = load_module(argv[1]);
  if (!p11) return 2;
  CHECK_RV(p11->C_Initialize(NULL), CKR_OK);
  CK_SLOT_ID slots[4];
  CK_ULONG count = 4;
  CHECK_RV(p11->C_GetSlotList(CK_TRUE, slots, &count), CKR_OK);
  if (count < 1) {
    fprintf(stderr, "FAIL no token\n");
    return 1;
  }
  CK_SESSION_HANDLE session;
  CHECK_RV(p11->C_OpenSession(slots[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
                              &session),
           CKR_OK);

  /* Two pages, the second unmapped: the 8-byte PIN ends where the first page ends. */
  long page = sysconf(_SC_PAGESIZE);
  unsigned char *area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED || mprotect(area + page, page, PROT_NONE) != 0) return 2;
  unsigned char *pin = area + page - 8;
  memcpy(pin, "12345678", 8);

  /* One byte too many: any read of it faults. */
  CHECK_RV(p11->C_Login(session, CKU_USER, pin, 9), CKR_PIN_INCORRECT);
  CHECK_RV(p11->C_Login(session, CKU_SO, pin, 9), CKR_PIN_INCORRECT);
  CHECK_RV(p11->C_Login(session, CKU_CONTEXT_SPECIFIC, pin, 9), CKR_PIN_INCORRECT);
  CHECK_RV(p11->C_SetPIN(session, pin, 9, pin, 8), CKR_PIN_LEN_RANGE);
  CHECK_RV(p11->C_SetPIN(session, pin, 8, pin, 9), CKR_PIN_LEN_RANGE);
  CHECK_RV(p11->C_InitPIN(session, pin, 9), CKR_PIN_LEN_RANGE);
  CHECK_RV(p11->C_Login(session, CKU_USER, pin, (CK_ULONG)-1), CKR_PIN_INCORRECT);
  /* The right length at the very end of the page works. */
  CHECK_RV(p11->C_Login(session, CKU_USER, pin, 8), CKR_OK);
  CHECK_RV(p11->C_Logout(session), CKR_OK);

  CHECK_RV(p11->C_Finalize(NULL), CKR_OK);
  if (failures == 0) printf("pin_bounds: ok\n");
  return failures == 0 ? 0 : 1;
}
