#include <stdio.h>
#include "dbxai.h"
int main(void) { puts("dbxai " DBX_VERSION); return 0; }
