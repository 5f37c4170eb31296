// The state of one open list, with no DOM: the server's truth as last seen, plus the
// optimistic overlays of the user's own writes that have not been answered yet.
//
// Idempotency by position: every todo, member and the list's name remember the store
// position of the last change applied to them. An event, a write's answer or a read at or
// below that position changes nothing — so an event seen twice, or the event of a write
// whose answer was already applied, is a no-op. Deleted todos and removed members leave a
// tombstone with their position, so a late, older event cannot bring them back.

export class ListState {
  constructor(list, readPosition) {
    this.id = list.id;
    this.ownerId = list.owner_id;
    this.name = { value: list.name, position: list.position ?? 0, pending: null };
    this.todos = new Map(); // id -> {id, title, completed, position, pending, temp}
    this.tombstones = new Map(); // todo id -> position of its deletion
    this.members = new Map(); // user id -> {id, username, position, removed, pending}
    this.status = "open"; // "open" | "deleted" | "removed"
    for (const todo of list.todos || []) this.putTodo(todo);
    this.applyMembers(list.members || [], readPosition ?? list.position ?? 0);
  }

  // -- what to show ------------------------------------------------------------------------

  /** Todos in order, overlays applied, deleted ones (even optimistically) left out. */
  visibleTodos() {
    const out = [];
    for (const todo of this.todos.values()) {
      const view = { ...todo, ...(todo.pending || {}) };
      if (!view.deleted) out.push(view);
    }
    return out;
  }

  visibleMembers() {
    const out = [];
    for (const member of this.members.values()) {
      const removed = member.pending ? member.pending.removed : member.removed;
      if (!removed) out.push(member);
    }
    return out;
  }

  displayName() {
    return this.name.pending ?? this.name.value;
  }

  counts() {
    const todos = this.visibleTodos().filter((t) => !t.temp);
    const done = todos.filter((t) => t.completed).length;
    return { open: todos.length - done, done };
  }

  // -- server truth: events, write answers, reads ------------------------------------------

  putTodo(todo) {
    const known = this.todos.get(todo.id);
    const tomb = this.tombstones.get(todo.id);
    if (tomb !== undefined && tomb >= todo.position) return false;
    if (known && known.position >= todo.position) return false;
    this.todos.set(todo.id, {
      id: todo.id,
      title: todo.title,
      completed: Boolean(todo.completed),
      position: todo.position,
      pending: known ? known.pending : null,
      temp: false,
    });
    return true;
  }

  deleteTodo(id, position) {
    if ((this.tombstones.get(id) ?? -1) >= position) return false;
    const known = this.todos.get(id);
    if (known && known.position > position) return false;
    this.tombstones.set(id, position);
    return this.todos.delete(id) || true;
  }

  /** Adopt a pending (temporary) todo as the real one, keeping its place in the list. */
  adoptTemp(tempId, todo) {
    if (!this.todos.has(tempId)) return false;
    if (this.todos.has(todo.id) || (this.tombstones.get(todo.id) ?? -1) >= todo.position) {
      this.todos.delete(tempId); // the event got here first, or it is already deleted
      return true;
    }
    const entries = [...this.todos.entries()].map(([key, value]) =>
      key === tempId
        ? [todo.id, { id: todo.id, title: todo.title, completed: Boolean(todo.completed), position: todo.position, pending: null, temp: false }]
        : [key, value],
    );
    this.todos = new Map(entries);
    return true;
  }

  applyMembers(members, position) {
    const present = new Set(members.map((m) => String(m.id)));
    for (const member of members) this.putMember(String(member.id), member.username, position);
    for (const [id, member] of this.members) {
      if (!present.has(id) && !member.removed && !member.temp && member.position <= position) {
        member.removed = true;
        member.position = position;
      }
    }
  }

  putMember(id, username, position) {
    const known = this.members.get(id);
    if (known && known.position > position) return false;
    if (known && known.position === position && !known.removed) {
      if (username) known.username = username;
      return false;
    }
    this.members.set(id, {
      id,
      username: username || known?.username || `user ${id}`,
      position,
      removed: false,
      pending: known && !known.temp ? known.pending : null,
      temp: false,
      unnamed: !username && !known?.username,
    });
    return true;
  }

  removeMember(id, position) {
    const known = this.members.get(id);
    if (known && known.position >= position) return false;
    this.members.set(id, { ...(known || { id, username: `user ${id}` }), position, removed: true, temp: false });
    return true;
  }

  /** Apply one store event of this list's channel; true when it changed something. */
  applyEvent(event) {
    const d = event.data || {};
    const p = event.position ?? 0;
    switch (event.type) {
      case "TodoCreated":
        return this.putTodo({ id: d.todo_id, title: d.title, completed: false, position: p });
      case "TodoRenamed":
      case "TodoCompleted":
      case "TodoReopened": {
        const todo = this.todos.get(d.todo_id);
        if (!todo || todo.temp || todo.position >= p) return false;
        if (event.type === "TodoRenamed") todo.title = d.title;
        else todo.completed = event.type === "TodoCompleted";
        todo.position = p;
        return true;
      }
      case "TodoDeleted":
        return this.deleteTodo(d.todo_id, p);
      case "ListRenamed":
        if (this.name.position >= p) return false;
        this.name.value = d.name;
        this.name.position = p;
        return true;
      case "MemberAdded":
        return this.putMember(String(d.user_id), null, p);
      case "MemberRemoved":
        return this.removeMember(String(d.user_id), p);
      case "ListDeleted":
        if (this.status === "deleted") return false;
        this.status = "deleted";
        return true;
      default:
        return false;
    }
  }
}
