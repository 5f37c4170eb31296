// Drawing one list (list.html's elements) from a ListState, and turning the user's clicks
// into calls of the page's actions. Todo rows are kept and updated in place, so a live event
// never steals focus from a checkbox or an inline rename in progress.

import { h, replaceChildren } from "./dom.js";

export class ListView {
  constructor(doc, me, actions) {
    this.doc = doc;
    this.me = me;
    this.actions = actions;
    this.rows = new Map(); // todo id -> <li>
    this.editing = null; // id of the todo being renamed
    this.el = (id) => doc.getElementById(id);
    this.bindForms();
  }

  bindForms() {
    this.el("add-todo-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = e.currentTarget.elements.title;
      const title = input.value;
      input.value = "";
      this.actions.addTodo(title);
    });
    this.el("add-member-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = e.currentTarget.elements.username;
      const username = input.value.trim();
      input.value = "";
      if (username) this.actions.addMember(username);
    });
    const renameForm = this.el("rename-list-form");
    this.el("rename-list").addEventListener("click", () => {
      renameForm.hidden = false;
      renameForm.elements.name.value = this.el("list-name").textContent;
      renameForm.elements.name.focus();
      renameForm.elements.name.select();
    });
    renameForm.addEventListener("submit", (e) => {
      e.preventDefault();
      renameForm.hidden = true;
      this.actions.renameList(renameForm.elements.name.value);
    });
    renameForm.querySelector(".cancel").addEventListener("click", () => (renameForm.hidden = true));
    this.el("delete-list").addEventListener("click", () => {
      if (window.confirm(`Delete the list “${this.el("list-name").textContent}” and all its todos?`)) {
        this.actions.deleteList();
      }
    });
  }

  /** Put a title back into the new-todo field after a failed add (unless retyped). */
  restoreNewTitle(title) {
    const input = this.el("new-todo-title");
    if (!input.value) input.value = title;
  }

  restoreMemberName(username) {
    const input = this.el("member-username");
    if (!input.value) input.value = username;
  }

  showMissing(message) {
    this.el("list-content").hidden = true;
    this.el("list-header").hidden = true;
    const notice = this.el("gone-notice");
    notice.querySelector(".gone-text").textContent =
      message || "This list does not exist, or you are not a member of it.";
    notice.hidden = false;
  }

  render(state) {
    const name = state.displayName();
    this.el("list-name").textContent = name;
    this.doc.title = `${name} · Realtime TODO`;
    const owner = state.ownerId === this.me.id;
    for (const id of ["rename-list", "delete-list", "add-member-form"]) this.el(id).hidden = !owner;
    const { open, done } = state.counts();
    this.el("list-counts").textContent = `${open} open · ${done} done`;
    this.renderTodos(state);
    this.renderMembers(state, owner);
    if (state.status !== "open") {
      this.showMissing(
        state.status === "deleted"
          ? "This list was deleted."
          : "You are no longer a member of this list.",
      );
    }
  }

  // -- todos --------------------------------------------------------------------------------

  renderTodos(state) {
    const list = this.el("todos");
    const todos = state.visibleTodos();
    const keep = new Set();
    todos.forEach((todo, index) => {
      keep.add(todo.id);
      let row = this.rows.get(todo.id);
      if (!row) {
        row = this.createRow(todo.id);
        this.rows.set(todo.id, row);
      }
      this.updateRow(row, todo);
      if (list.children[index] !== row) list.insertBefore(row, list.children[index] || null);
    });
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.remove();
        this.rows.delete(id);
        if (this.editing === id) this.editing = null;
      }
    }
    this.el("todos-empty").hidden = todos.length > 0;
  }

  createRow(id) {
    const safeId = id.replace(/[^a-zA-Z0-9-]/g, "");
    const check = h("input", { type: "checkbox", id: `todo-${safeId}`, class: "todo-check" });
    const label = h("label", { for: `todo-${safeId}`, class: "todo-title" });
    const input = h("input", { id: `rename-${safeId}`, name: "title", autocomplete: "off" });
    const form = h(
      "form",
      { class: "todo-rename", hidden: true },
      h("label", { for: `rename-${safeId}`, class: "visually-hidden" }),
      input,
      h("button", { type: "submit" }, "Save"),
      h("button", { type: "button", class: "cancel" }, "Cancel"),
    );
    const rename = h("button", { type: "button", class: "todo-rename-button secondary" }, "Rename");
    const remove = h("button", { type: "button", class: "todo-delete danger" }, "Delete");
    const row = h("li", { class: "todo", dataset: { todoId: id } }, check, label, form, rename, remove);

    check.addEventListener("change", () => this.actions.changeTodo(id, { completed: check.checked }));
    const startEdit = () => {
      if (row.classList.contains("pending")) return;
      this.editing = id;
      input.value = label.textContent;
      form.hidden = false;
      label.hidden = true;
      rename.hidden = true;
      input.focus();
      input.select();
    };
    const stopEdit = () => {
      if (this.editing === id) this.editing = null;
      form.hidden = true;
      label.hidden = false;
      rename.hidden = false;
    };
    rename.addEventListener("click", startEdit);
    label.addEventListener("dblclick", (e) => {
      e.preventDefault();
      startEdit();
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const title = input.value;
      stopEdit();
      rename.focus();
      if (title !== label.textContent) this.actions.changeTodo(id, { title });
    });
    form.querySelector(".cancel").addEventListener("click", () => {
      stopEdit();
      rename.focus();
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        stopEdit();
        rename.focus();
      }
    });
    remove.addEventListener("click", () => this.actions.deleteTodo(id));
    return row;
  }

  updateRow(row, todo) {
    const [check, label, form, rename, remove] = row.children;
    const pending = Boolean(todo.temp || todo.pending);
    row.classList.toggle("pending", pending);
    row.classList.toggle("done", todo.completed);
    if (pending) row.setAttribute("aria-busy", "true");
    else row.removeAttribute("aria-busy");
    if (label.textContent !== todo.title) label.textContent = todo.title;
    check.checked = todo.completed;
    check.disabled = Boolean(todo.temp);
    form.firstChild.textContent = `New title for ${todo.title}`;
    rename.setAttribute("aria-label", `Rename ${todo.title}`);
    remove.setAttribute("aria-label", `Delete ${todo.title}`);
    rename.disabled = remove.disabled = Boolean(todo.temp);
  }

  // -- members ------------------------------------------------------------------------------

  renderMembers(state, owner) {
    const items = state.visibleMembers().map((member) => {
      const isOwner = member.id === state.ownerId;
      const isMe = member.id === this.me.id;
      let button = null;
      if (!member.temp && !isOwner && (owner || isMe)) {
        const label = isMe ? "Leave list" : `Remove ${member.username}`;
        button = h("button", { type: "button", class: "secondary" }, isMe ? "Leave list" : "Remove");
        button.setAttribute("aria-label", label);
        button.addEventListener("click", () => this.actions.removeMember(member.id));
      }
      return h(
        "li",
        { class: `member${member.temp || member.pending ? " pending" : ""}`, dataset: { userId: member.id } },
        h("span", { class: "member-name" }, member.username),
        isOwner ? h("span", { class: "badge" }, "owner") : null,
        isMe ? h("span", { class: "badge subtle" }, "you") : null,
        button,
      );
    });
    replaceChildren(this.el("members"), items);
  }

  // -- activity -----------------------------------------------------------------------------

  renderActivity(entries) {
    const items = entries.map((entry) => {
      const when = new Date(entry.occurred_at);
      return h(
        "li",
        { dataset: { position: entry.position } },
        h("span", { class: "activity-summary" }, entry.summary),
        " ",
        h("time", { datetime: entry.occurred_at, title: when.toLocaleString() }, when.toLocaleTimeString()),
      );
    });
    replaceChildren(this.el("activity"), items);
    this.el("activity-empty").hidden = entries.length > 0;
  }
}
