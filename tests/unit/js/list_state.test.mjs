// list-state.js (the page's per-list state) under node's own test runner: no stack, no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListState } from '../../../services/api/todo_api/web/static/web/list-state.js';

test('applies each change once, by position', () => {
  const list = {id: 'L', name: 'N', owner_id: '1', position: 3,
                members: [{id: '1', username: 'alice'}], todos: []};
  const s = new ListState(list, 3);
  const ev = (type, position, data) => ({type, position, data: {list_id: 'L', ...data}});
  const changed = [];
  const apply = (e) => changed.push(s.applyEvent(e));
  apply(ev('TodoCreated', 4, {todo_id: 't', title: 'a'}));
  apply(ev('TodoCreated', 4, {todo_id: 't', title: 'a'}));          // seen twice
  s.putTodo({id: 't', title: 'b', completed: true, position: 6});  // own write answered
  apply(ev('TodoRenamed', 5, {todo_id: 't', title: 'b'}));          // older than the answer
  apply(ev('TodoCompleted', 6, {todo_id: 't'}));                    // the answer's own event
  apply(ev('TodoDeleted', 7, {todo_id: 't'}));
  apply(ev('TodoReopened', 6, {todo_id: 't'}));                     // late: no resurrection
  apply(ev('TodoCreated', 4, {todo_id: 't', title: 'a'}));
  apply(ev('MemberAdded', 8, {user_id: 2}));
  apply(ev('MemberRemoved', 9, {user_id: 2}));
  apply(ev('MemberAdded', 8, {user_id: 2}));                        // stale
  apply(ev('ListRenamed', 2, {name: 'old'}));                       // before the read
  assert.deepEqual(changed, [true, false, false, false, true, false, false, true, true, false, false]);
  assert.equal(s.visibleTodos().length, 0);
  assert.deepEqual(s.visibleMembers().map((m) => m.id), ['1']);
  assert.equal(s.displayName(), 'N');
});
