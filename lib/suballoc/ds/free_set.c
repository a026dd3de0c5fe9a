/**
 * @file suballoc/ds/free_set.c
 * @brief Best-fit free-block set: two intrusive AVL trees over recycled nodes.
 */
#include "suballoc/ds/free_set.h"

#include <stdlib.h>

/* AVL links carry a parent pointer so that a node found through one tree can be
 * unlinked from the other, and so that neighbours are reached without a stack.
 * They keep a balance factor rather than a height: retracing after a change
 * then reads only the nodes on the path, never their siblings. */
struct rmm__ds_avl_link {
  struct rmm__ds_avl_link *child[2];
  struct rmm__ds_avl_link *parent;
  int balance; /* height of the right subtree minus that of the left: -1, 0 or 1 */
};

typedef struct rmm__ds_avl_link avl_link_t;

/* One node per free block, linked into both trees. The block comes first, next
 * to the size-tree link, so that a best-fit descent mostly reads one cache line
 * per node. A spare node is in neither tree, so its size-tree link doubles as
 * the spare-list pointer. */
struct rmm__ds_free_node {
  rmm__ds_free_block_t block;
  union {
    avl_link_t by_size;
    struct rmm__ds_free_node *next_spare;
  };
  avl_link_t by_addr;
};

typedef struct rmm__ds_free_node node_t;

struct rmm__ds_free_slab {
  struct rmm__ds_free_slab *next;
  node_t nodes[];
};

/* The first slab is small so that an idle set costs little memory. */
enum { MIN_SLAB_NODES = 32 };

/* ---- AVL tree ----------------------------------------------------------- */

/* The balance factor of a lean towards side `dir`. */
static int lean(int dir) { return dir ? 1 : -1; }

static void replace_child(avl_link_t **root, avl_link_t *parent, avl_link_t *old,
                          avl_link_t *repl) {
  if (!parent)
    *root = repl;
  else
    parent->child[parent->child[1] == old] = repl;
}

/* Moves `l` down to side `dir`; its child on the other side takes its place.
 * Balance factors are left to the caller. */
static void rotate(avl_link_t **root, avl_link_t *l, int dir) {
  avl_link_t *up = l->child[!dir];
  l->child[!dir] = up->child[dir];
  if (up->child[dir])
    up->child[dir]->parent = l;
  up->child[dir] = l;
  up->parent = l->parent;
  replace_child(root, l->parent, l, up);
  l->parent = up;
}

/* Rebalances `p`, whose side `heavy` has become two levels taller than the
 * other; returns the subtree's new root. That root is left balanced (0)
 * exactly when the subtree came out one level shorter than `p` was. */
static avl_link_t *rotate_heavy(avl_link_t **root, avl_link_t *p, int heavy) {
  int s = lean(heavy);
  avl_link_t *c = p->child[heavy];
  if (c->balance == -s) {
    /* The tall part is c's inner subtree: a single rotation would only move
     * it to the other side, so its root g is lifted above both p and c. */
    avl_link_t *g = c->child[!heavy];
    rotate(root, c, heavy);
    rotate(root, p, !heavy);
    p->balance = g->balance == s ? -s : 0;
    c->balance = g->balance == -s ? s : 0;
    g->balance = 0;
    return g;
  }
  rotate(root, p, !heavy);
  if (c->balance == s) {
    p->balance = 0;
    c->balance = 0;
  } else {
    /* Only after a removal: c's subtrees were equal, so the result still
     * leans, and keeps p's former height. */
    p->balance = s;
    c->balance = -s;
  }
  return c;
}

/* Retraces after the subtree at `l` grew one level taller. */
static void grew(avl_link_t **root, avl_link_t *l) {
  for (avl_link_t *p = l->parent; p; l = p, p = l->parent) {
    int side = p->child[1] == l;
    if (p->balance == 0) {
      p->balance = lean(side);
      continue;
    }
    /* Either p evens out or a rotation restores its former height; nothing
     * above can change in both cases. */
    if (p->balance == -lean(side))
      p->balance = 0;
    else
      rotate_heavy(root, p, side);
    return;
  }
}

/* Retraces after side `side` of `p` became one level shorter. */
static void shrank(avl_link_t **root, avl_link_t *p, int side) {
  while (p) {
    if (p->balance == 0) {
      p->balance = -lean(side);
      return;
    }
    if (p->balance == lean(side)) {
      p->balance = 0;
    } else {
      p = rotate_heavy(root, p, !side);
      if (p->balance != 0)
        return;
    }
    /* p's subtree is one level shorter: carry on with its parent. */
    avl_link_t *parent = p->parent;
    if (parent)
      side = parent->child[1] == p;
    p = parent;
  }
}

static void attach(avl_link_t **root, avl_link_t *parent, int dir, avl_link_t *l) {
  l->child[0] = l->child[1] = NULL;
  l->parent = parent;
  l->balance = 0;
  if (parent)
    parent->child[dir] = l;
  else
    *root = l;
  grew(root, l);
}

static avl_link_t *extreme(avl_link_t *l, int dir) {
  while (l->child[dir])
    l = l->child[dir];
  return l;
}

/* The in-order neighbour of `l`: the next one when dir is 1, else the previous. */
static avl_link_t *step(avl_link_t *l, int dir) {
  if (l->child[dir])
    return extreme(l->child[dir], !dir);
  while (l->parent && l->parent->child[dir] == l)
    l = l->parent;
  return l->parent;
}

static void erase(avl_link_t **root, avl_link_t *z) {
  avl_link_t *fix;
  int side;
  if (z->child[0] && z->child[1]) {
    /* Two children: z's successor y has no left child, so it is cheap to
     * lift into z's place; the tree shrinks where y was taken from. */
    avl_link_t *y = extreme(z->child[1], 0);
    if (y->parent == z) {
      fix = y;
      side = 1;
    } else {
      fix = y->parent;
      side = 0;
      fix->child[0] = y->child[1];
      if (y->child[1])
        y->child[1]->parent = fix;
      y->child[1] = z->child[1];
      z->child[1]->parent = y;
    }
    y->child[0] = z->child[0];
    z->child[0]->parent = y;
    y->balance = z->balance;
    y->parent = z->parent;
    replace_child(root, z->parent, z, y);
  } else {
    avl_link_t *child = z->child[z->child[0] == NULL];
    fix = z->parent;
    side = fix && fix->child[1] == z;
    if (child)
      child->parent = fix;
    replace_child(root, fix, z, child);
  }
  shrank(root, fix, side);
}

/* ---- nodes -------------------------------------------------------------- */

static node_t *size_node(avl_link_t *l) {
  return l ? (node_t *)((char *)l - offsetof(node_t, by_size)) : NULL;
}

static node_t *addr_node(avl_link_t *l) {
  return l ? (node_t *)((char *)l - offsetof(node_t, by_addr)) : NULL;
}

static void node_put(rmm__ds_free_set_t *s, node_t *n) {
  n->next_spare = s->spare;
  s->spare = n;
}

/* Adds one slab holding at least `want` nodes in all. Doubling the capacity
 * keeps the number of allocations logarithmic in the peak block count. */
static bool grow(rmm__ds_free_set_t *s, size_t want) {
  size_t n = s->capacity > MIN_SLAB_NODES ? s->capacity : MIN_SLAB_NODES;
  if (n < want - s->capacity)
    n = want - s->capacity;
  if (n > (SIZE_MAX - sizeof(struct rmm__ds_free_slab)) / sizeof(node_t))
    return false;
  struct rmm__ds_free_slab *slab = malloc(sizeof *slab + n * sizeof(node_t));
  if (!slab)
    return false;
  slab->next = s->slabs;
  s->slabs = slab;
  /* Pushed in reverse so that nodes are handed out in memory order. */
  for (size_t i = n; i-- > 0;)
    node_put(s, &slab->nodes[i]);
  s->capacity += n;
  return true;
}

static node_t *node_get(rmm__ds_free_set_t *s) {
  if (!s->spare && !grow(s, s->capacity + 1))
    return NULL;
  node_t *n = s->spare;
  s->spare = n->next_spare;
  return n;
}

/* ---- the two orders ----------------------------------------------------- */

static int size_less(const node_t *a, const node_t *b) {
  return a->block.size < b->block.size ||
         (a->block.size == b->block.size && a->block.addr < b->block.addr);
}

static void size_tree_insert(rmm__ds_free_set_t *s, node_t *n) {
  avl_link_t *parent = NULL;
  avl_link_t *cur = s->by_size;
  int dir = 0;
  while (cur) {
    parent = cur;
    dir = size_less(size_node(cur), n);
    cur = cur->child[dir];
  }
  attach(&s->by_size, parent, dir, &n->by_size);
}

/* Re-sorts `n` after its key moved towards side `dir` (1: it grew). A block
 * that has not passed its neighbour on that side keeps its place, saving an
 * erase and an insert. */
static void size_tree_rekey(rmm__ds_free_set_t *s, node_t *n, int dir) {
  node_t *near = size_node(step(&n->by_size, dir));
  if (!near || (dir ? size_less(n, near) : size_less(near, n)))
    return;
  erase(&s->by_size, &n->by_size);
  size_tree_insert(s, n);
}

/* Where `addr` sits in the address tree: the attach point for a new block
 * there, and the blocks starting just below and at or above it. */
typedef struct addr_pos {
  avl_link_t *parent;
  int dir;
  node_t *below;
  node_t *above;
} addr_pos_t;

static addr_pos_t addr_locate(const rmm__ds_free_set_t *s, uintptr_t addr) {
  addr_pos_t pos = {NULL, 0, NULL, NULL};
  avl_link_t *cur = s->by_addr;
  while (cur) {
    node_t *n = addr_node(cur);
    pos.parent = cur;
    pos.dir = n->block.addr < addr;
    if (pos.dir)
      pos.below = n;
    else
      pos.above = n;
    cur = cur->child[pos.dir];
  }
  return pos;
}

static node_t *addr_exact(const rmm__ds_free_set_t *s, uintptr_t addr) {
  node_t *above = addr_locate(s, addr).above;
  return above && above->block.addr == addr ? above : NULL;
}

/* Unlinks `n` from both trees and recycles it; the caller fixes the totals. */
static void unlink_node(rmm__ds_free_set_t *s, node_t *n) {
  erase(&s->by_addr, &n->by_addr);
  erase(&s->by_size, &n->by_size);
  node_put(s, n);
}

static void drop(rmm__ds_free_set_t *s, node_t *n, rmm__ds_free_block_t *out) {
  if (out)
    *out = n->block;
  s->count--;
  s->total_bytes -= n->block.size;
  unlink_node(s, n);
}

/* ---- public functions --------------------------------------------------- */

void rmm__ds_free_set_init(rmm__ds_free_set_t *s) {
  *s = (rmm__ds_free_set_t){0};
}

void rmm__ds_free_set_fini(rmm__ds_free_set_t *s) {
  struct rmm__ds_free_slab *slab = s->slabs;
  while (slab) {
    struct rmm__ds_free_slab *next = slab->next;
    free(slab);
    slab = next;
  }
  rmm__ds_free_set_init(s);
}

bool rmm__ds_free_set_reserve(rmm__ds_free_set_t *s, size_t n) {
  return n <= s->capacity || grow(s, n);
}

bool rmm__ds_free_set_insert(rmm__ds_free_set_t *s, uintptr_t addr, size_t size, uint32_t chunk) {
  if (size == 0)
    return true;
  addr_pos_t pos = addr_locate(s, addr);
  node_t *lo = pos.below;
  node_t *hi = pos.above;
  bool join_lo = lo && lo->block.chunk == chunk && lo->block.addr + lo->block.size == addr;
  bool join_hi = hi && hi->block.chunk == chunk && addr + size == hi->block.addr;

  /* Merging only moves block boundaries into the gap being filled, so the
   * surviving node keeps its place in the address tree; only its size-tree
   * place can change. */
  if (join_lo && join_hi) {
    lo->block.size += size + hi->block.size;
    s->count--;
    unlink_node(s, hi);
    size_tree_rekey(s, lo, 1);
  } else if (join_lo) {
    lo->block.size += size;
    size_tree_rekey(s, lo, 1);
  } else if (join_hi) {
    hi->block.addr = addr;
    hi->block.size += size;
    size_tree_rekey(s, hi, 1);
  } else {
    node_t *n = node_get(s);
    if (!n)
      return false;
    n->block = (rmm__ds_free_block_t){addr, size, chunk};
    attach(&s->by_addr, pos.parent, pos.dir, &n->by_addr);
    size_tree_insert(s, n);
    s->count++;
  }
  s->total_bytes += size;
  return true;
}

bool rmm__ds_free_set_take(rmm__ds_free_set_t *s, size_t size, rmm__ds_free_block_t *out) {
  if (size == 0)
    return false;
  /* The leftmost block of at least `size` bytes: the (size, addr) order makes
   * it the smallest fit, and the lowest addressed among equal sizes. */
  node_t *fit = NULL;
  avl_link_t *cur = s->by_size;
  while (cur) {
    node_t *n = size_node(cur);
    if (n->block.size >= size) {
      fit = n;
      cur = cur->child[0];
    } else {
      cur = cur->child[1];
    }
  }
  if (!fit)
    return false;

  *out = (rmm__ds_free_block_t){fit->block.addr, size, fit->block.chunk};
  if (fit->block.size == size) {
    drop(s, fit, NULL);
    return true;
  }
  /* The remainder starts inside the old block, where no other block starts,
   * so its address-tree place stays right. */
  fit->block.addr += size;
  fit->block.size -= size;
  s->total_bytes -= size;
  size_tree_rekey(s, fit, 0);
  return true;
}

bool rmm__ds_free_set_find(const rmm__ds_free_set_t *s, uintptr_t addr, rmm__ds_free_block_t *out) {
  node_t *n = addr_exact(s, addr);
  if (n && out)
    *out = n->block;
  return n != NULL;
}

bool rmm__ds_free_set_remove(rmm__ds_free_set_t *s, uintptr_t addr, rmm__ds_free_block_t *out) {
  node_t *n = addr_exact(s, addr);
  if (!n)
    return false;
  drop(s, n, out);
  return true;
}

bool rmm__ds_free_set_pop(rmm__ds_free_set_t *s, rmm__ds_free_block_t *out) {
  if (!s->by_addr)
    return false;
  drop(s, addr_node(extreme(s->by_addr, 0)), out);
  return true;
}

bool rmm__ds_free_set_last(const rmm__ds_free_set_t *s, rmm__ds_free_block_t *out) {
  if (!s->by_addr)
    return false;
  *out = addr_node(extreme(s->by_addr, 1))->block;
  return true;
}

bool rmm__ds_free_set_next(const rmm__ds_free_set_t *s, uintptr_t addr, rmm__ds_free_block_t *out) {
  node_t *n = addr_locate(s, addr).above;
  if (!n)
    return false;
  *out = n->block;
  return true;
}

bool rmm__ds_free_set_move_all(rmm__ds_free_set_t *dst, rmm__ds_free_set_t *src) {
  rmm__ds_free_block_t b;
  while (rmm__ds_free_set_pop(src, &b)) {
    if (!rmm__ds_free_set_insert(dst, b.addr, b.size, b.chunk)) {
      /* The pop just recycled a node in src, so putting the block back
       * cannot fail. */
      rmm__ds_free_set_insert(src, b.addr, b.size, b.chunk);
      return false;
    }
  }
  return true;
}

size_t rmm__ds_free_set_count(const rmm__ds_free_set_t *s) { return s->count; }

size_t rmm__ds_free_set_total_bytes(const rmm__ds_free_set_t *s) { return s->total_bytes; }

size_t rmm__ds_free_set_largest(const rmm__ds_free_set_t *s) {
  return s->by_size ? size_node(extreme(s->by_size, 1))->block.size : 0;
}
