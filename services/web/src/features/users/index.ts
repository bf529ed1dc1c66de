export { UserDetailPage } from './components/UserDetailPage';
export { UsersPage } from './components/UsersPage';
