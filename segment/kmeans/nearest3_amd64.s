//go:build !purego

#include "textflag.h"

// +Inf, the starting nearest and second-nearest squared distances.
DATA nearest3inf<>+0(SB)/8, $0x7ff0000000000000
GLOBL nearest3inf<>(SB), RODATA|NOPTR, $8

DATA nearest3one<>+0(SB)/8, $1
GLOBL nearest3one<>(SB), RODATA|NOPTR, $8

// func nearestTwo3AVX2(x *float64, n int, c *[3]float64, k int, lab *int32, d1, d2 *float64)
//
// Four rows per pass, one row per 64-bit lane. Register use:
//	Y3, Y4, Y5	columns 0, 1, 2 of the four rows
//	Y6, Y7		b1, b2: nearest and second squared distances
//	Y8		best centre index (int64 lanes)
//	Y9		current centre index j (int64 lanes)
//	Y10-Y12		centre j broadcast
//	Y14		int64 ones, Y15 +Inf
//	Y0-Y2		scratch
TEXT ·nearestTwo3AVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), BX
	MOVQ c+16(FP), R8
	MOVQ k+24(FP), R9
	MOVQ lab+32(FP), DI
	MOVQ d1+40(FP), R10
	MOVQ d2+48(FP), R11
	SHRQ $2, BX             // BX = blocks of four rows
	JZ   done
	TESTQ R9, R9
	JZ   done
	VPBROADCASTQ nearest3one<>(SB), Y14
	VPBROADCASTQ nearest3inf<>(SB), Y15

block:
	// Load four rows (12 values, row-major) and transpose to columns:
	// A = [r0.0 r0.1 r0.2 r1.0], B = [r1.1 r1.2 r2.0 r2.1],
	// C = [r2.2 r3.0 r3.1 r3.2].
	VMOVUPD 0(SI), Y0
	VMOVUPD 32(SI), Y1
	VMOVUPD 64(SI), Y2
	VBLENDPD $2, Y2, Y0, Y3 // [A0 C1 A2 A3]
	VBLENDPD $4, Y1, Y3, Y3 // [A0 C1 B2 A3]
	VPERMPD  $0x6c, Y3, Y3  // [A0 A3 B2 C1] = column 0
	VBLENDPD $2, Y0, Y1, Y4 // [B0 A1 B2 B3]
	VBLENDPD $4, Y2, Y4, Y4 // [B0 A1 C2 B3]
	VPERMPD  $0xb1, Y4, Y4  // [A1 B0 B3 C2] = column 1
	VBLENDPD $2, Y1, Y2, Y5 // [C0 B1 C2 C3]
	VBLENDPD $4, Y0, Y5, Y5 // [C0 B1 A2 C3]
	VPERMPD  $0xc6, Y5, Y5  // [A2 B1 C0 C3] = column 2

	VMOVDQA Y15, Y6         // b1 = +Inf
	VMOVDQA Y15, Y7         // b2 = +Inf
	VPXOR   Y8, Y8, Y8      // best = 0
	VPXOR   Y9, Y9, Y9      // j = 0
	MOVQ    R8, CX
	MOVQ    R9, DX

centre:
	VBROADCASTSD 0(CX), Y10
	VBROADCASTSD 8(CX), Y11
	VBROADCASTSD 16(CX), Y12
	// dd = (e0*e0 + e1*e1) + e2*e2, the order of nearestTwo3, no FMA.
	VSUBPD Y10, Y3, Y0
	VMULPD Y0, Y0, Y0
	VSUBPD Y11, Y4, Y1
	VMULPD Y1, Y1, Y1
	VADDPD Y1, Y0, Y0
	VSUBPD Y12, Y5, Y1
	VMULPD Y1, Y1, Y1
	VADDPD Y1, Y0, Y0
	VCMPPD $0x11, Y6, Y0, Y1 // lt = dd < b1 (ordered: false for NaN)
	VMAXPD Y0, Y6, Y2        // mx = max(b1, dd), NaN when dd is NaN
	VMINPD Y7, Y2, Y7        // b2 = min(mx, b2), b2 when mx is NaN
	VMINPD Y6, Y0, Y6        // b1 = min(dd, b1), b1 when dd is NaN
	VBLENDVPD Y1, Y9, Y8, Y8 // best = lt ? j : best
	VPADDQ Y14, Y9, Y9
	ADDQ   $24, CX
	DECQ   DX
	JNZ    centre

	VMOVUPD Y6, 0(R10)
	VMOVUPD Y7, 0(R11)
	VEXTRACTI128 $1, Y8, X0
	VSHUFPS $0x88, X0, X8, X0 // low 32 bits of the four indices
	VMOVDQU X0, 0(DI)

	ADDQ $96, SI
	ADDQ $16, DI
	ADDQ $32, R10
	ADDQ $32, R11
	DECQ BX
	JNZ  block

	VZEROUPPER

done:
	RET

// Four int64 ones, added to the centre index of every lane.
DATA hamerly3ones<>+0(SB)/8, $1
DATA hamerly3ones<>+8(SB)/8, $1
DATA hamerly3ones<>+16(SB)/8, $1
DATA hamerly3ones<>+24(SB)/8, $1
GLOBL hamerly3ones<>(SB), RODATA|NOPTR, $32

// Four int64 threes: a label above 3 is in the upper half of a table.
DATA hamerly3three<>+0(SB)/8, $3
DATA hamerly3three<>+8(SB)/8, $3
DATA hamerly3three<>+16(SB)/8, $3
DATA hamerly3three<>+24(SB)/8, $3
GLOBL hamerly3three<>(SB), RODATA|NOPTR, $32

// Four int64 1<<32, turning 2a | 2a<<32 into the dword pair (2a, 2a+1).
DATA hamerly3hi<>+0(SB)/8, $0x100000000
DATA hamerly3hi<>+8(SB)/8, $0x100000000
DATA hamerly3hi<>+16(SB)/8, $0x100000000
DATA hamerly3hi<>+24(SB)/8, $0x100000000
GLOBL hamerly3hi<>(SB), RODATA|NOPTR, $32

// TABIDX turns four labels (int64 lanes of L, each in 0..7) into the
// VPERMD index I that moves the float64 of each label's table entry into
// its lane, within one 256-bit half of an 8-entry table, and S, all ones
// where the label is in the upper half. T is scratch.
#define TABIDX(L, I, S, T) \
	VPCMPGTQ hamerly3three<>(SB), L, S \
	VPADDQ   L, L, I \
	VPSLLQ   $32, I, T \
	VPOR     T, I, I \
	VPADDQ   hamerly3hi<>(SB), I, I

// LOOKUP sets D to the entries of the 8-entry float64 table at OFF(R12)
// for the lanes of TABIDX's I and S (T is scratch).
#define LOOKUP(OFF, I, S, D, T) \
	VPERMD    OFF(R12), I, D \
	VPERMD    OFF+32(R12), I, T \
	VBLENDVPD S, T, D, D

// func hamerly3AVX2(x *float64, n int, labels *int32, upper, lower *float64, tab *[24]float64, c *[3]float64, k int, dense bool, chg, chgLab *int32) (fails, changes int)
//
// Four rows per pass. Register use: AX row, SI its values, DI labels,
// R8 upper, R9 lower, R12 the tables (cumS, half, cumR; 8 entries each),
// R13 failing rows, DX changes; Y14 the lanes to update, Y15 ones; the
// scan as in nearestTwo3AVX2.
TEXT ·hamerly3AVX2(SB), NOSPLIT, $48-104
	MOVQ x+0(FP), SI
	MOVQ labels+16(FP), DI
	MOVQ upper+24(FP), R8
	MOVQ lower+32(FP), R9
	MOVQ tab+40(FP), R12
	XORQ R13, R13
	XORQ DX, DX
	XORQ AX, AX
	MOVQ k+56(FP), CX
	IMULQ $24, CX
	ADDQ c+48(FP), CX
	MOVQ CX, cend-8(SP)
	CMPQ AX, n+8(FP)
	JGE  hnone
	VMOVDQU hamerly3ones<>(SB), Y15

hgroup:
	// Bounds: u = upper + cumS[a]; the row fails when u > half[a] and
	// u > lower - cumR[a] (ordered comparisons, as Go's >).
	// Software prefetch of the four streams, about 64 rows ahead: the
	// hardware prefetcher alone leaves the loads waiting.
	PREFETCHT0 1536(SI)
	PREFETCHT0 1024(R8)(AX*8)
	PREFETCHT0 1024(R9)(AX*8)
	PREFETCHT0 512(DI)(AX*4)
	VPMOVZXDQ (DI)(AX*4), Y0
	TABIDX(Y0, Y2, Y1, Y9)
	LOOKUP(0, Y2, Y1, Y3, Y9)
	LOOKUP(64, Y2, Y1, Y4, Y10)
	LOOKUP(128, Y2, Y1, Y5, Y11)
	VADDPD  (R8)(AX*8), Y3, Y3
	VMOVUPD (R9)(AX*8), Y6
	VSUBPD  Y5, Y6, Y6
	VCMPPD  $0x1e, Y4, Y3, Y4
	VCMPPD  $0x1e, Y6, Y3, Y6
	VANDPD  Y6, Y4, Y14
	VMOVMSKPD Y14, CX
	POPCNTL CX, CX
	ADDQ    CX, R13
	CMPB    dense+64(FP), $0
	JNE     hall
	TESTQ   CX, CX
	JZ      hnext
	JMP     hscan

hall:
	VPCMPEQD Y14, Y14, Y14

hscan:
	VMOVUPD 0(SI), Y0
	VMOVUPD 32(SI), Y1
	VMOVUPD 64(SI), Y2
	VBLENDPD $2, Y2, Y0, Y3
	VBLENDPD $4, Y1, Y3, Y3
	VPERMPD  $0x6c, Y3, Y3
	VBLENDPD $2, Y0, Y1, Y4
	VBLENDPD $4, Y2, Y4, Y4
	VPERMPD  $0xb1, Y4, Y4
	VBLENDPD $2, Y1, Y2, Y5
	VBLENDPD $4, Y0, Y5, Y5
	VPERMPD  $0xc6, Y5, Y5

	VPBROADCASTQ nearest3inf<>(SB), Y6
	VMOVDQA Y6, Y7
	VPXOR   Y8, Y8, Y8
	VPXOR   Y9, Y9, Y9
	MOVQ    c+48(FP), CX

hcentre:
	VBROADCASTSD 0(CX), Y10
	VBROADCASTSD 8(CX), Y11
	VBROADCASTSD 16(CX), Y12
	VSUBPD Y10, Y3, Y0
	VMULPD Y0, Y0, Y0
	VSUBPD Y11, Y4, Y1
	VMULPD Y1, Y1, Y1
	VADDPD Y1, Y0, Y0
	VSUBPD Y12, Y5, Y1
	VMULPD Y1, Y1, Y1
	VADDPD Y1, Y0, Y0
	VCMPPD $0x11, Y6, Y0, Y1
	VMAXPD Y0, Y6, Y2
	VMINPD Y7, Y2, Y7
	VMINPD Y6, Y0, Y6
	VBLENDVPD Y1, Y9, Y8, Y8
	VPADDQ Y15, Y9, Y9
	ADDQ   $24, CX
	CMPQ   CX, cend-8(SP)
	JNE    hcentre

	// New bounds sqrt(b1) - cumS[j] and sqrt(b2) + cumR[j] in the lanes
	// to update, the old ones elsewhere.
	MOVQ    tab+40(FP), R12
	VSQRTPD Y6, Y6
	VSQRTPD Y7, Y7
	TABIDX(Y8, Y2, Y1, Y9)
	LOOKUP(0, Y2, Y1, Y3, Y9)
	LOOKUP(128, Y2, Y1, Y4, Y10)
	VSUBPD    Y3, Y6, Y6
	VADDPD    Y4, Y7, Y7
	VMOVUPD   (R8)(AX*8), Y3
	VMOVUPD   (R9)(AX*8), Y4
	VBLENDVPD Y14, Y6, Y3, Y6
	VBLENDVPD Y14, Y7, Y4, Y7
	VMOVUPD   Y6, (R8)(AX*8)
	VMOVUPD   Y7, (R9)(AX*8)

	// Lanes to update whose label changes go to chg and chgLab.
	VPMOVSXDQ (DI)(AX*4), Y0
	VPCMPEQQ  Y8, Y0, Y0
	VPANDN    Y14, Y0, Y0
	VMOVMSKPD Y0, CX
	TESTL     CX, CX
	JZ        hnext
	VMOVDQU   Y8, best-48(SP)
	MOVQ      SI, savesi-16(SP)
	MOVQ      chg+72(FP), BX
	MOVQ      chgLab+80(FP), SI
	TESTL     $1, CX
	JZ        hlane1
	MOVL      best-48(SP), R12
	MOVL      R12, (SI)(DX*4)
	MOVL      AX, (BX)(DX*4)
	INCQ      DX

hlane1:
	TESTL $2, CX
	JZ    hlane2
	MOVL  best-40(SP), R12
	MOVL  R12, (SI)(DX*4)
	LEAQ  1(AX), R12
	MOVL  R12, (BX)(DX*4)
	INCQ  DX

hlane2:
	TESTL $4, CX
	JZ    hlane3
	MOVL  best-32(SP), R12
	MOVL  R12, (SI)(DX*4)
	LEAQ  2(AX), R12
	MOVL  R12, (BX)(DX*4)
	INCQ  DX

hlane3:
	TESTL $8, CX
	JZ    hlanes
	MOVL  best-24(SP), R12
	MOVL  R12, (SI)(DX*4)
	LEAQ  3(AX), R12
	MOVL  R12, (BX)(DX*4)
	INCQ  DX

hlanes:
	MOVQ savesi-16(SP), SI

hnext:
	MOVQ tab+40(FP), R12
	ADDQ $96, SI
	ADDQ $4, AX
	CMPQ AX, n+8(FP)
	JLT  hgroup
	VZEROUPPER

hnone:
	MOVQ R13, fails+88(FP)
	MOVQ DX, changes+96(FP)
	RET

// func distBlockAVX2(x *float64, n, d int, ct *float64, kp int, out *float64)
//
// Register use: SI the first of four rows, R10 the row stride (d*8),
// R8 and R9 rows 0 and 3 at column t, DX the centres' column t, BX the
// columns left, CX the byte offset of the group of eight centres, R13 the
// bytes of a centre column (kp*8), DI the output row of the first row, AX
// the fours left; Y0-Y7 the sums (row q, centres 0-3 and 4-7 of the group
// in Y(2q) and Y(2q+1)), Y8 and Y9 the centres, Y10 the row value, Y11
// and Y12 scratch.
TEXT ·distBlockAVX2(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), AX
	MOVQ d+16(FP), R11
	MOVQ ct+24(FP), R12
	MOVQ kp+32(FP), R13
	MOVQ out+40(FP), DI
	SHRQ $2, AX
	JZ   dbdone
	TESTQ R11, R11
	JZ   dbdone
	MOVQ R11, R10
	SHLQ $3, R10
	SHLQ $3, R13

dbquad:
	XORQ CX, CX

dbgroup:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	MOVQ SI, R8
	LEAQ (SI)(R10*2), R9
	ADDQ R10, R9
	LEAQ (R12)(CX*1), DX
	MOVQ R11, BX

dbcol:
	VMOVUPD 0(DX), Y8
	VMOVUPD 32(DX), Y9
	// s += (x_t - c_t)^2, lane by lane, for rows 0..3.
	VBROADCASTSD (R8), Y10
	VSUBPD Y8, Y10, Y11
	VSUBPD Y9, Y10, Y12
	VMULPD Y11, Y11, Y11
	VMULPD Y12, Y12, Y12
	VADDPD Y11, Y0, Y0
	VADDPD Y12, Y1, Y1
	VBROADCASTSD (R8)(R10*1), Y10
	VSUBPD Y8, Y10, Y11
	VSUBPD Y9, Y10, Y12
	VMULPD Y11, Y11, Y11
	VMULPD Y12, Y12, Y12
	VADDPD Y11, Y2, Y2
	VADDPD Y12, Y3, Y3
	VBROADCASTSD (R8)(R10*2), Y10
	VSUBPD Y8, Y10, Y11
	VSUBPD Y9, Y10, Y12
	VMULPD Y11, Y11, Y11
	VMULPD Y12, Y12, Y12
	VADDPD Y11, Y4, Y4
	VADDPD Y12, Y5, Y5
	VBROADCASTSD (R9), Y10
	VSUBPD Y8, Y10, Y11
	VSUBPD Y9, Y10, Y12
	VMULPD Y11, Y11, Y11
	VMULPD Y12, Y12, Y12
	VADDPD Y11, Y6, Y6
	VADDPD Y12, Y7, Y7
	ADDQ $8, R8
	ADDQ $8, R9
	ADDQ R13, DX
	DECQ BX
	JNZ  dbcol

	LEAQ (DI)(CX*1), DX
	VMOVUPD Y0, 0(DX)
	VMOVUPD Y1, 32(DX)
	ADDQ R13, DX
	VMOVUPD Y2, 0(DX)
	VMOVUPD Y3, 32(DX)
	ADDQ R13, DX
	VMOVUPD Y4, 0(DX)
	VMOVUPD Y5, 32(DX)
	ADDQ R13, DX
	VMOVUPD Y6, 0(DX)
	VMOVUPD Y7, 32(DX)
	ADDQ $64, CX
	CMPQ CX, R13
	JLT  dbgroup

	LEAQ (SI)(R10*4), SI
	LEAQ (DI)(R13*4), DI
	DECQ AX
	JNZ  dbquad
	VZEROUPPER

dbdone:
	RET
