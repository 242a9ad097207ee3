"""Memory layout of the kernel's vectors: parameters, runtime state, fills and summary.

The indices are plain module constants so numba compiles them in as literals.
"""

from gridarena.grid.ledger import LEDGER_SIZE

# --- parameter vector -------------------------------------------------------------------------
P_DIRECTION = 0  # +1 long, −1 short, 0 neutral
P_MAKER = 1  # maker fee rate
P_TAKER = 2  # taker fee rate
P_SLIPPAGE = 3  # market-order slippage as a fraction of price
P_LEVERAGE = 4
P_MMR = 5  # maintenance margin rate
P_MULT = 6  # contract multiplier
P_ALLOCATION = 7  # starting wallet (margin) of the grid
P_TP = 8  # take profit: stop and close when equity ≥ allocation·(1+tp) (0 = off)
P_SL = 9  # stop loss: stop and close when equity ≤ allocation·(1−sl) (0 = off)
P_STOP_TOP = 10  # stop and close when price ≥ this (0 = off)
P_STOP_BOTTOM = 11  # stop and close when price ≤ this (0 = off)
P_TRIGGER = 12  # start the grid only when price reaches this (0 = start at the first open)
P_RANGE_EXIT = 13  # 0 keep running, 1 stop (cancel orders), 2 stop and close the position
P_TRAIL_UP = 14  # 1: shift the grid up one level when price leaves the top
P_TRAIL_DOWN = 15  # 1: shift the grid down one level when price leaves the bottom
P_FILL_RULE = 16  # 0 touch (low ≤ p fills a buy), 1 cross (low < p)
P_PATH = 17  # 0 nearer extreme first, 1 open→high→low→close, 2 open→low→high→close
P_GEOMETRIC = 18  # 1: trailing extrapolates levels geometrically, 0 arithmetically
P_TICK = 19
P_STEP = 20
P_ENTRY_MAKER = 21  # 1: initial entries pay the maker fee without slippage (maker_first)
N_PARAMS = 22

# --- runtime vector (ledger first, then grid runtime) ----------------------------------------
R_STARTED = LEDGER_SIZE + 0
R_RUNNING = LEDGER_SIZE + 1
R_STOP_REASON = LEDGER_SIZE + 2
R_STOP_CANDLE = LEDGER_SIZE + 3
R_BEST_BUY = LEDGER_SIZE + 4
R_BEST_SELL = LEDGER_SIZE + 5
R_LIQ = LEDGER_SIZE + 6
R_SL = LEDGER_SIZE + 7
R_TP = LEDGER_SIZE + 8
R_DOWN = LEDGER_SIZE + 9  # highest price below which something may happen
R_UP = LEDGER_SIZE + 10  # lowest price above which something may happen
R_ROUND_TRIPS = LEDGER_SIZE + 11
R_GRID_PROFIT = LEDGER_SIZE + 12
R_LIQ_LOSS = LEDGER_SIZE + 13
R_SHIFTS = LEDGER_SIZE + 14
R_START_CANDLE = LEDGER_SIZE + 15
R_START_PRICE = LEDGER_SIZE + 16
R_MAX_NOTIONAL = LEDGER_SIZE + 17
RUNTIME_SIZE = LEDGER_SIZE + 18

# --- stop reasons ------------------------------------------------------------------------------
STOP_NONE = 0
STOP_TP = 1
STOP_SL = 2
STOP_TOP = 3
STOP_BOTTOM = 4
STOP_RANGE_EXIT = 5
STOP_LIQUIDATED = 6

# --- fill records ------------------------------------------------------------------------------
F_CANDLE = 0
F_SLOT = 1  # −1 for orders that belong to no slot (whole-position closes)
F_SIDE = 2  # +1 buy, −1 sell
F_PRICE = 3
F_QTY = 4
F_FEE = 5
F_KIND = 6
F_REALIZED = 7
F_POS_AFTER = 8
F_WALLET_AFTER = 9
FILL_COLS = 10

KIND_ENTRY = 0  # maker entry of a slot
KIND_EXIT = 1  # maker exit of a slot (round trip closed)
KIND_INITIAL = 2  # market entry at start / when a trailing slot is added
KIND_CLOSE = 3  # market close (TP, SL, stops, range exit, trailing drop)
KIND_LIQUIDATION = 4

# --- summary vector ----------------------------------------------------------------------------
S_CANDLES = 0
S_FILLS = 1
S_ROUND_TRIPS = 2
S_REALIZED = 3
S_UNREALIZED = 4
S_FEES = 5
S_FUNDING = 6
S_FINAL_EQUITY = 7
S_MAX_DRAWDOWN = 8  # fraction of the equity peak
S_RET_MEAN = 9  # mean per-candle simple return of equity
S_RET_STD = 10
S_STOP_REASON = 11
S_STOP_CANDLE = 12
S_POSITION = 13
S_AVG_PRICE = 14
S_GRID_PROFIT = 15
S_LIQ_LOSS = 16
S_PEAK_EQUITY = 17
S_MAKER_FILLS = 18
S_TAKER_FILLS = 19
S_START_CANDLE = 20
S_SHIFTS = 21
S_VOLUME = 22
S_MAX_NOTIONAL = 23
S_WALLET = 24
S_OVERFLOW = 25  # 1 when fills exceeded the capacity of the fill buffer
N_STATS = 26
